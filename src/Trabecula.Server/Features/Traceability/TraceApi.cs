using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Permissions;
using Trabecula.Server.Features.Production;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Traceability;

public sealed record TraceOrder(
    Guid Id, string Number, string State, string DeviceCategory, string DeviceName, string Pseudonym, string Institution, string? Designer, string? Manufacturer, string? Registrant);

public sealed record TraceDataset(Guid Id, string Kind, string Description, DateTime CreatedAt, string CreatedBy, DateTime? ConfirmedAt, string? ConfirmedBy, int Instances);

public sealed record TraceStep(StepView Step, string? MachineSerial, string? MachineProcess, string? MaterialLot, string? Material, string? SterilizationCycle, string? SterilizationMethod, string? Indicator);

public sealed record TraceAudit(long Sequence, DateTime OccurredAt, string Action, string? Actor, string? Organization, string? TargetType, string? TargetId, string Outcome);

public sealed record DeviceHistory(
    DeviceIdentifierView Device, TraceOrder Order, IReadOnlyList<RequirementView> Requirements, IReadOnlyList<TraceDataset> Datasets, IReadOnlyList<DesignTraceEntry> Design,
    ReleasedPackage? Package, IReadOnlyList<TraceStep> Steps, IReadOnlyList<HistoryEntry> Transitions, ShipmentView? Delivery, SurgicalUseView? Use,
    IReadOnlyList<FollowUpView> FollowUps, IReadOnlyList<TraceAudit> Audit);

public sealed record PatientDevice(Guid OrderId, string OrderNumber, string State, string DeviceCategory, string? ElementString, DateTime? ReleasedAt);

public sealed record RecallRow(Guid OrderId, string OrderNumber, string State, string DeviceCategory, string Institution, string? ElementString, string? SerialNumber, string? Lot, DateTime? ReleasedAt);

public sealed record RecallList(string Kind, Guid RecordId, string Record, IReadOnlyList<RecallRow> Devices);

public sealed record FeedbackItem(Guid OrderId, string OrderNumber, string? ElementString, int Month, DateOnly? PerformedOn, string Feedback, string? Notes, string? Complications);

/// <summary>
/// Trace queries (R-TRACE-3): device → its whole history with the audit entries behind it; patient
/// (institution only) → devices; material lot, machine or sterilization batch → every affected
/// device, order and institution (the recall list, also as CSV and PDF); a per-device report PDF.
/// Every query and export is audited. Each goes through indexes: DeviceIdentifiers by (GTIN,
/// serial) and serial, steps by (lot|machine|batch, order), audit entries by (order, sequence).
/// </summary>
internal static class TraceApi
{
    public static void MapTraceApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/trace").WithTags("Traceability").RequireAuthorization(Policies.Active);
        group.MapGet("/devices", DeviceAsync).WithName("TraceDevice")
            .WithSummary("?code= the label's GS1 data (either form) or the serial: the device's complete history with the audit entries behind it.");
        group.MapGet("/devices/report.pdf", ReportAsync).WithName("TraceDeviceReport").WithSummary("?code=: the device's traceability report as PDF.");
        group.MapGet("/patients/{pseudonym}/devices", PatientAsync).WithName("TracePatientDevices").WithSummary("The institution's patient (by pseudonym) → their devices.");
        group.MapGet("/recall", RecallAsync).WithName("TraceRecall")
            .WithSummary("?materialLotId= | machineId= | sterilizationBatchId=, format=json|csv|pdf: every affected device, order and institution.");
        group.MapGet("/feedback", FeedbackAsync).WithName("TraceFeedback").WithSummary("Follow-up feedback (design or fit issues) on orders the caller's organization designed or registered.");
    }

    internal static async Task<Results<Ok<DeviceHistory>, NotFound, ProblemHttpResult>> DeviceAsync(
        string? code, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, ProductionRoute route, IReleasedPackageSource packages, IDesignHistorySource designs,
        IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var found = await FindDeviceAsync(code, user, db, policy, time, cancellationToken);
        if (found.Problem is { } problem)
        {
            return problem;
        }

        if (found.Order is null)
        {
            return TypedResults.NotFound();
        }

        var history = await HistoryAsync(db, found.Order, route, packages, designs, time, cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.TraceQueried)
        {
            TargetType = "device-history",
            TargetId = history.Device.ElementString,
            OrderId = found.Order.Id,
        }, cancellationToken);
        return TypedResults.Ok(history);
    }

    internal static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> ReportAsync(
        string? code, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, ProductionRoute route, IReleasedPackageSource packages, IDesignHistorySource designs,
        IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var found = await FindDeviceAsync(code, user, db, policy, time, cancellationToken);
        if (found.Problem is { } problem)
        {
            return problem;
        }

        if (found.Order is null)
        {
            return TypedResults.NotFound();
        }

        var history = await HistoryAsync(db, found.Order, route, packages, designs, time, cancellationToken);
        var pdf = TraceReports.DeviceReport(history, time.GetUtcNow().UtcDateTime);
        await audit.RecordAsync(new AuditEvent(AuditAction.TraceExported)
        {
            TargetType = "device-report",
            TargetId = history.Device.ElementString,
            OrderId = found.Order.Id,
        }, cancellationToken);
        return TypedResults.File(pdf, "application/pdf", $"trace-{found.Order.Number}.pdf");
    }

    internal static async Task<Results<Ok<List<PatientDevice>>, NotFound>> PatientAsync(
        string pseudonym, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        var org = OrganizationOf(user);

        // The patient is the institution's alone: another party's search finds nothing at all.
        if (!(user.IsInRole(Roles.Physician) || user.IsInRole(Roles.InstitutionAdmin)))
        {
            return TypedResults.NotFound();
        }

        var rows = await (from c in db.Cases.AsNoTracking()
                          where c.Pseudonym == pseudonym && c.InstitutionId == org
                          join o in db.Orders.AsNoTracking() on c.Id equals o.CaseId
                          join d in db.DeviceIdentifiers.AsNoTracking() on o.Id equals d.OrderId into devices
                          from d in devices.DefaultIfEmpty()
                          select new { o.Id, o.Number, o.State, o.DeviceCategory, Element = d == null ? null : d.ElementString, Released = d == null ? (DateTime?)null : d.ReleasedAt })
            .ToListAsync(cancellationToken);
        if (rows.Count == 0)
        {
            return TypedResults.NotFound();
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.TraceQueried) { TargetType = "patient-devices", TargetId = pseudonym, OrderId = rows[0].Id }, cancellationToken);
        return TypedResults.Ok(rows.Select(r => new PatientDevice(r.Id, r.Number, r.State.ToString(), r.DeviceCategory, r.Element, r.Released)).ToList());
    }

    internal static async Task<Results<Ok<RecallList>, FileContentHttpResult, NotFound, ValidationProblem, ProblemHttpResult>> RecallAsync(
        Guid? materialLotId, Guid? machineId, Guid? sterilizationBatchId, string? format, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (new[] { materialLotId, machineId, sterilizationBatchId }.Count(x => x is not null) != 1 || format is not (null or "json" or "csv" or "pdf"))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["materialLotId"] = ["Name exactly one of materialLotId, machineId, sterilizationBatchId; format is json, csv or pdf."],
            }, type: ProblemTypes.Validation);
        }

        // The master records are the factory's: only its production people run a recall on them.
        if (await MasterRecordsApi.FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return TypedResults.NotFound();
        }

        var recall = await RecallQueryAsync(db, factory, materialLotId, machineId, sterilizationBatchId, cancellationToken);
        if (recall is null)
        {
            return TypedResults.NotFound();
        }

        var export = format is "csv" or "pdf";
        await audit.RecordAsync(new AuditEvent(export ? AuditAction.TraceExported : AuditAction.TraceQueried)
        {
            TargetType = "recall-" + recall.Kind,
            TargetId = recall.RecordId.ToString(),
            Details = new Dictionary<string, object?> { ["devices"] = recall.Devices.Count, ["format"] = format ?? "json" },
        }, cancellationToken);
        return format switch
        {
            "csv" => TypedResults.File(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(TraceReports.RecallCsv(recall))).ToArray(), "text/csv; charset=utf-8", $"recall-{recall.Kind}.csv"),
            "pdf" => TypedResults.File(TraceReports.RecallPdf(recall, time.GetUtcNow().UtcDateTime), "application/pdf", $"recall-{recall.Kind}.pdf"),
            _ => TypedResults.Ok(recall),
        };
    }

    /// <summary>Lot / machine / batch → the orders whose steps used it, by the (reference, order) indexes.</summary>
    internal static async Task<RecallList?> RecallQueryAsync(TrabeculaDbContext db, Guid factory, Guid? lotId, Guid? machineId, Guid? batchId, CancellationToken cancellationToken)
    {
        string kind, record;
        IQueryable<Guid> orderIds;
        Guid id;
        if (lotId is { } lot)
        {
            var row = await db.MaterialLots.AsNoTracking().Where(l => l.Id == lot && l.ManufacturerId == factory)
                .Join(db.Materials, l => l.MaterialId, m => m.Id, (l, m) => new { l.LotNumber, m.Name }).SingleOrDefaultAsync(cancellationToken);
            if (row is null)
            {
                return null;
            }

            (kind, record, id) = ("material-lot", $"{row.Name} {row.LotNumber}", lot);
            orderIds = db.ProductionSteps.Where(s => s.MaterialLotId == lot).Select(s => s.OrderId);
        }
        else if (machineId is { } machine)
        {
            var row = await db.ProductionMachines.AsNoTracking().SingleOrDefaultAsync(m => m.Id == machine && m.ManufacturerId == factory, cancellationToken);
            if (row is null)
            {
                return null;
            }

            (kind, record, id) = ("machine", $"{row.Name} {row.SerialNumber} ({row.Process})", machine);
            orderIds = db.ProductionSteps.Where(s => s.MachineId == machine).Select(s => s.OrderId);
        }
        else
        {
            var batch = batchId!.Value;
            var row = await db.SterilizationBatches.AsNoTracking().SingleOrDefaultAsync(b => b.Id == batch && b.ManufacturerId == factory, cancellationToken);
            if (row is null)
            {
                return null;
            }

            (kind, record, id) = ("sterilization-batch", $"{row.Method} {row.CycleId}", batch);
            orderIds = db.ProductionSteps.Where(s => s.SterilizationBatchId == batch).Select(s => s.OrderId);
        }

        // The (reference, order) index names the few hundred orders; each is then read by its key. The
        // manufacturer check runs on those rows, not in the SQL: there, SQLite (no statistics) chose the
        // (ManufacturerId, CreatedAt) index and PostgreSQL a scan of Orders, reading every order of the
        // factory, so the recall grew with the database (docs/performance.md, "Trace queries").
        var rows = await (from o in db.Orders.AsNoTracking()
                          where orderIds.Contains(o.Id)
                          join i in db.Organizations.AsNoTracking() on o.InstitutionId equals i.Id
                          join d in db.DeviceIdentifiers.AsNoTracking() on o.Id equals d.OrderId into devices
                          from d in devices.DefaultIfEmpty()
                          orderby o.Number
                          select new
                          {
                              o.ManufacturerId,
                              Row = new RecallRow(o.Id, o.Number, o.State.ToString(), o.DeviceCategory, i.Name,
                                  d == null ? null : d.ElementString, d == null ? null : d.SerialNumber, d == null ? null : d.LotNumber, d == null ? null : d.ReleasedAt),
                          })
            .ToListAsync(cancellationToken);
        return new RecallList(kind, id, record, [.. rows.Where(r => r.ManufacturerId == factory).Select(r => r.Row)]);
    }

    internal static async Task<Ok<List<FeedbackItem>>> FeedbackAsync(ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        var org = OrganizationOf(user);
        var rows = await (from f in db.FollowUps.AsNoTracking()
                          join o in db.Orders.AsNoTracking() on f.OrderId equals o.Id
                          where (o.DesignerId == org || o.RegistrantId == org || o.ManufacturerId == org) && f.Feedback != null && f.Feedback != FeedbackKind.None
                          join d in db.DeviceIdentifiers.AsNoTracking() on o.Id equals d.OrderId into devices
                          from d in devices.DefaultIfEmpty()
                          orderby f.RecordedAt descending
                          select new FeedbackItem(o.Id, o.Number, d == null ? null : d.ElementString, f.Month, f.PerformedOn, f.Feedback!.Value.ToString(), f.FeedbackNotes, f.Complications))
            .Take(500).ToListAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.TraceQueried) { TargetType = "follow-up-feedback", TargetId = org.ToString() }, cancellationToken);
        return TypedResults.Ok(rows);
    }

    /// <summary>
    /// The device a code names, if the caller may read its records. A code that names no device,
    /// or a device of an order the caller does not take part in, is 404 alike (no existence leak).
    /// </summary>
    private static async Task<(Order? Order, ProblemHttpResult? Problem)> FindDeviceAsync(
        string? code, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, TimeProvider time, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(code) || code.Length > 200)
        {
            return (null, null);
        }

        var parts = Gs1.TryParse(code);
        var serial = parts?.Serial ?? code.Trim();
        var device = parts is null
            ? await db.DeviceIdentifiers.AsNoTracking().FirstOrDefaultAsync(d => d.SerialNumber == serial, cancellationToken)
            : await db.DeviceIdentifiers.AsNoTracking().SingleOrDefaultAsync(d => d.Gtin == parts.Gtin && d.SerialNumber == serial, cancellationToken);
        var order = device is null ? null : await OrdersApi.FindForCallerAsync(db, device.OrderId, user, time, cancellationToken);
        if (order is null)
        {
            return (null, null);
        }

        return await policy.AuthorizeAsync(user, order, DataClass.ProductionRecords, DataAction.View, cancellationToken)
            ? (order, null)
            : (null, TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden, detail: "The device's records are not yours to read at this stage."));
    }

    internal static async Task<DeviceHistory> HistoryAsync(
        TrabeculaDbContext db, Order order, ProductionRoute route, IReleasedPackageSource packages, IDesignHistorySource designs, TimeProvider time, CancellationToken cancellationToken)
    {
        var device = await db.DeviceIdentifiers.AsNoTracking().SingleAsync(d => d.OrderId == order.Id, cancellationToken);
        var pseudonym = await db.Cases.AsNoTracking().Where(c => c.Id == order.CaseId).Select(c => c.Pseudonym).SingleAsync(cancellationToken);
        var partyIds = new[] { order.InstitutionId, order.DesignerId, order.ManufacturerId, order.RegistrantId }.Where(x => x is not null).Select(x => x!.Value).ToList();
        var names = await db.Organizations.AsNoTracking().Where(o => partyIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, cancellationToken);
        string? Name(Guid? id) => id is { } g ? names.GetValueOrDefault(g) : null;
        var traceOrder = new TraceOrder(order.Id, order.Number, order.State.ToString(), order.DeviceCategory, route.ProfileFor(order).DeviceName, pseudonym,
            Name(order.InstitutionId) ?? "", Name(order.DesignerId), Name(order.ManufacturerId), Name(order.RegistrantId));

        var requirements = (await db.RequirementRevisions.AsNoTracking().Where(r => r.OrderId == order.Id).OrderBy(r => r.Revision).ToListAsync(cancellationToken))
            .Select(r => new RequirementView(r.Revision, r.DeviceCategory, r.AnatomicalSite, r.Indication, r.ClinicalRequirement,
                r.PlannedSurgeryDate is { } d ? DateOnly.FromDateTime(d) : null, r.Urgency, r.Reason, r.CreatedAt, r.CreatedByName))
            .ToList();
        var datasets = await db.PatientDatasets.AsNoTracking().Where(d => d.OrderId == order.Id).OrderBy(d => d.CreatedAt)
            .Select(d => new TraceDataset(d.Id, d.Kind.ToString(), d.Description, d.CreatedAt, d.CreatedByName, d.ConfirmedAt, d.ConfirmedByName,
                db.DicomInstances.Count(i => i.DatasetId == d.Id)))
            .ToListAsync(cancellationToken);

        var production = await ProductionApi.ViewAsync(db, order, route, packages, cancellationToken);
        var machineIds = production.Steps.Where(s => s.MachineId is not null).Select(s => s.MachineId!.Value).ToList();
        var lotIds = production.Steps.Where(s => s.MaterialLotId is not null).Select(s => s.MaterialLotId!.Value).ToList();
        var batchIds = production.Steps.Where(s => s.SterilizationBatchId is not null).Select(s => s.SterilizationBatchId!.Value).ToList();
        var machines = await db.ProductionMachines.AsNoTracking().Where(m => machineIds.Contains(m.Id)).ToDictionaryAsync(m => m.Id, cancellationToken);
        var lots = await db.MaterialLots.AsNoTracking().Where(l => lotIds.Contains(l.Id))
            .Join(db.Materials, l => l.MaterialId, m => m.Id, (l, m) => new { l.Id, l.LotNumber, m.Name }).ToDictionaryAsync(l => l.Id, cancellationToken);
        var batches = await db.SterilizationBatches.AsNoTracking().Where(b => batchIds.Contains(b.Id)).ToDictionaryAsync(b => b.Id, cancellationToken);
        var steps = production.Steps.Select(s =>
        {
            var machine = s.MachineId is { } m ? machines.GetValueOrDefault(m) : null;
            var lot = s.MaterialLotId is { } l && lots.TryGetValue(l, out var found) ? found : null;
            var batch = s.SterilizationBatchId is { } b ? batches.GetValueOrDefault(b) : null;
            return new TraceStep(s, machine?.SerialNumber, machine?.Process.ToString(), lot?.LotNumber, lot?.Name, batch?.CycleId, batch?.Method.ToString(), batch?.IndicatorResult.ToString());
        }).ToList();

        var transitions = (await db.StateTransitions.AsNoTracking().Where(t => t.OrderId == order.Id).OrderBy(t => t.OccurredAt).ThenBy(t => t.Id).ToListAsync(cancellationToken))
            .Select(t => new HistoryEntry(t.From?.ToString(), t.To.ToString(), t.Name, t.Reason, t.ActorName, t.ActorOrganization, t.OccurredAt)).ToList();
        var shipment = await db.Shipments.AsNoTracking().SingleOrDefaultAsync(s => s.OrderId == order.Id, cancellationToken);
        var use = await db.SurgicalUses.AsNoTracking().SingleOrDefaultAsync(u => u.OrderId == order.Id, cancellationToken);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var followUps = (await db.FollowUps.AsNoTracking().Where(f => f.OrderId == order.Id).OrderBy(f => f.Month).ToListAsync(cancellationToken))
            .Select(f => AfterFactoryApi.ToView(f, today)).ToList();

        // The audit entries behind every record above: the order's whole trail, by the (order, sequence) index.
        var auditRows = await db.AuditEntries.AsNoTracking().Where(e => e.OrderId == order.Id).OrderBy(e => e.Sequence).Take(5000)
            .Select(e => new TraceAudit(e.Sequence, e.OccurredAt, e.Action.ToString(), e.ActorName, e.ActorOrganizationName, e.TargetType, e.TargetId, e.Outcome.ToString()))
            .ToListAsync(cancellationToken);

        return new DeviceHistory(
            DeviceIdentifierView.Of(device), traceOrder, requirements, datasets, await designs.ForOrderAsync(order.Id, cancellationToken), production.Package, steps, transitions,
            shipment is null ? null : AfterFactoryApi.ToView(shipment), use is null ? null : AfterFactoryApi.ToView(use), followUps, auditRows);
    }

    private static Guid OrganizationOf(ClaimsPrincipal user) => Guid.TryParse(user.FindFirstValue(TrabeculaClaimTypes.OrganizationId), out var id) ? id : Guid.Empty;

    internal static string Invariant(DateTime value) => value.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
