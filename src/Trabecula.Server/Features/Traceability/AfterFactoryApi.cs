using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
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

public sealed record ShipmentRequest([property: MaxLength(100)] string? Carrier, [property: MaxLength(100)] string? TrackingNumber, DateTime? SentAt);

public sealed record ReceiptRequest(DateTime? ReceivedAt, string? Condition, bool? PackageIntact, [property: MaxLength(2000)] string? Notes);

public sealed record ShipmentView(
    string Carrier, string TrackingNumber, DateTime SentAt, string SentBy, DateTime? ReceivedAt, string? ReceivedBy, string? Condition, bool? PackageIntact, string? Notes);

public sealed record SurgicalUseRequest(
    DateOnly? SurgeryDate, [property: MaxLength(200)] string? Surgeon, [property: MaxLength(200)] string? DeviceCode, string? Fit,
    [property: MaxLength(2000)] string? FitNotes, [property: MaxLength(4000)] string? AdverseEvents);

public sealed record SurgicalUseView(DateOnly SurgeryDate, string Surgeon, string ScannedCode, string Fit, string? FitNotes, string? AdverseEvents, string RecordedBy, DateTime RecordedAt);

public sealed record FollowUpRequest(
    DateOnly? PerformedOn, [property: MaxLength(2000)] string? Outcome, [property: MaxLength(1000)] string? Imaging, [property: MaxLength(2000)] string? Complications,
    string? Feedback, [property: MaxLength(2000)] string? FeedbackNotes);

public sealed record FollowUpView(
    Guid Id, int Month, DateOnly DueOn, bool IsFinal, bool Overdue, DateOnly? PerformedOn, string? Outcome, string? Imaging, string? Complications, string? Feedback,
    string? FeedbackNotes, string? RecordedBy);

public sealed record ClosureRequest([property: MaxLength(1000)] string? Reason);

public sealed record FollowUpsView(IReadOnlyList<FollowUpView> FollowUps, string? ClosureReason);

/// <summary>
/// After the factory (R-TRACE-2): the manufacturer ships, the institution confirms receipt with
/// the condition of the package; surgery records the device identifier scanned or typed, checked
/// against the order (a wrong device is refused), the fit and adverse events, and schedules the
/// category's follow-ups; each follow-up records outcome, complications and structured feedback
/// for the designer and registrant. Each record is the guard of its lifecycle move.
/// </summary>
internal static class AfterFactoryApi
{
    public static void MapAfterFactoryApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/orders/{id:guid}").WithTags("Delivery and use").RequireAuthorization(Policies.Active);
        group.MapGet("/delivery", GetDeliveryAsync).WithName("GetDelivery").WithSummary("The shipment and its receipt.");
        group.MapPost("/delivery/shipment", ShipAsync).WithName("RecordShipment").WithSummary("The manufacturer records the shipment of the released device: carrier, tracking number, sent at.");
        group.MapPost("/delivery/receipt", ReceiveAsync).WithName("RecordReceipt")
            .WithSummary("The institution confirms receipt: when, condition (Good, Damaged), package integrity. The guard of confirm-delivery.");
        group.MapGet("/surgical-use", GetUseAsync).WithName("GetSurgicalUse").WithSummary("The device's use in surgery.");
        group.MapPost("/surgical-use", RecordUseAsync).WithName("RecordSurgicalUse")
            .WithSummary("The physician records surgery with the device code scanned or typed (checked against the order), fit (Fits, Adjusted, NotUsed) and adverse events.");
        group.MapGet("/follow-ups", ListFollowUpsAsync).WithName("ListFollowUps").WithSummary("Scheduled follow-ups with outcome and feedback (every participant reads the feedback).");
        group.MapPost("/follow-ups/{followUpId:guid}", RecordFollowUpAsync).WithName("RecordFollowUp")
            .WithSummary("The physician records a follow-up: outcome, imaging, complications, feedback (None, DesignIssue, FitIssue).");
        group.MapPut("/follow-ups/closure", CloseReasonAsync).WithName("RecordFollowUpClosureReason")
            .WithSummary("Why the order closes without its final follow-up (lost to follow-up, explanted, ...).");
    }

    internal static async Task<Results<Ok<ShipmentView>, NotFound, ProblemHttpResult>> GetDeliveryAsync(
        Guid id, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        var shipment = await db.Shipments.AsNoTracking().SingleOrDefaultAsync(s => s.OrderId == id, cancellationToken);
        if (shipment is null)
        {
            return TypedResults.NotFound();
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "shipment", TargetId = order.Number, OrderId = order.Id }, cancellationToken);
        return TypedResults.Ok(ToView(shipment));
    }

    internal static async Task<Results<Created<ShipmentView>, NotFound, ValidationProblem, ProblemHttpResult>> ShipAsync(
        Guid id, ShipmentRequest request, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (order.ManufacturerId != OrganizationOf(user) || !await policy.AuthorizeAsync(user, order, DataClass.ProductionRecords, DataAction.Upload, cancellationToken))
        {
            return Forbidden("The manufacturer ships the device.");
        }

        if (order.State != OrderState.Released)
        {
            return Conflict($"A device ships once released (the order is {order.State}).");
        }

        if (string.IsNullOrWhiteSpace(request.Carrier) || string.IsNullOrWhiteSpace(request.TrackingNumber) || request.SentAt is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["trackingNumber"] = ["Carrier, tracking number and time sent are required."] }, type: ProblemTypes.Validation);
        }

        if (await db.Shipments.AnyAsync(s => s.OrderId == id, cancellationToken))
        {
            return Conflict("The device has shipped already.");
        }

        var shipment = new Shipment
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()), OrderId = order.Id, Carrier = request.Carrier.Trim(), TrackingNumber = request.TrackingNumber.Trim(),
            SentAt = request.SentAt.Value.ToUniversalTime(), SentBy = ActorId(user), SentByName = user.Identity?.Name ?? "",
        };
        db.Shipments.Add(shipment);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataCreated) { TargetType = "shipment", TargetId = order.Number, OrderId = order.Id }, cancellationToken);
        return TypedResults.Created($"/api/orders/{id}/delivery", ToView(shipment));
    }

    internal static async Task<Results<Ok<ShipmentView>, NotFound, ValidationProblem, ProblemHttpResult>> ReceiveAsync(
        Guid id, ReceiptRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (!IsInstitution(user, order, Roles.Physician, Roles.InstitutionAdmin))
        {
            return Forbidden("The institution confirms receipt.");
        }

        var shipment = await db.Shipments.SingleOrDefaultAsync(s => s.OrderId == id, cancellationToken);
        if (order.State != OrderState.Released || shipment is null || shipment.ReceivedAt is not null)
        {
            return Conflict(shipment is null ? "Nothing has shipped yet." : shipment.ReceivedAt is not null ? "Receipt is recorded already." : $"The order is {order.State}.");
        }

        if (!Enum.TryParse<ArrivalCondition>(request.Condition, out var condition) || !Enum.IsDefined(condition) || request.PackageIntact is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["condition"] = ["Condition (Good or Damaged) and package integrity are required."] }, type: ProblemTypes.Validation);
        }

        shipment.ReceivedAt = (request.ReceivedAt ?? time.GetUtcNow().UtcDateTime).ToUniversalTime();
        shipment.ReceivedBy = ActorId(user);
        shipment.ReceivedByName = user.Identity?.Name ?? "";
        shipment.Condition = condition;
        shipment.PackageIntact = request.PackageIntact;
        shipment.ReceiptNotes = request.Notes?.Trim();
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataUpdated)
        {
            TargetType = "shipment-receipt",
            TargetId = order.Number,
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["condition"] = condition.ToString(), ["packageIntact"] = request.PackageIntact },
        }, cancellationToken);
        return TypedResults.Ok(ToView(shipment));
    }

    internal static async Task<Results<Ok<SurgicalUseView>, NotFound>> GetUseAsync(
        Guid id, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        var use = order is null ? null : await db.SurgicalUses.AsNoTracking().SingleOrDefaultAsync(u => u.OrderId == id, cancellationToken);
        if (order is null || use is null)
        {
            return TypedResults.NotFound();
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "surgical-use", TargetId = order.Number, OrderId = order.Id }, cancellationToken);
        return TypedResults.Ok(ToView(use));
    }

    internal static async Task<Results<Created<SurgicalUseView>, NotFound, ValidationProblem, ProblemHttpResult>> RecordUseAsync(
        Guid id, SurgicalUseRequest request, ClaimsPrincipal user, TrabeculaDbContext db, ProductionRoute route, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (!IsInstitution(user, order, Roles.Physician))
        {
            return Forbidden("The institution's physician records surgical use.");
        }

        if (order.State != OrderState.Delivered || await db.SurgicalUses.AnyAsync(u => u.OrderId == id, cancellationToken))
        {
            return Conflict(order.State != OrderState.Delivered ? $"Surgical use follows delivery (the order is {order.State})." : "Surgical use is recorded already.");
        }

        if (request.SurgeryDate is null || string.IsNullOrWhiteSpace(request.Surgeon) || string.IsNullOrWhiteSpace(request.DeviceCode)
            || !Enum.TryParse<IntraoperativeFit>(request.Fit, out var fit) || !Enum.IsDefined(fit))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["deviceCode"] = ["Surgery date, surgeon, the device code and the fit (Fits, Adjusted, NotUsed) are required."],
            }, type: ProblemTypes.Validation);
        }

        var device = await db.DeviceIdentifiers.AsNoTracking().SingleOrDefaultAsync(d => d.OrderId == id, cancellationToken);
        var refusal = CheckDevice(device, request.DeviceCode, request.SurgeryDate.Value);
        if (refusal is not null)
        {
            await audit.RecordAsync(new AuditEvent(AuditAction.DeviceScanRefused, AuditOutcome.Denied)
            {
                TargetType = "device",
                TargetId = device?.ElementString ?? order.Number,
                OrderId = order.Id,
                Details = new Dictionary<string, object?> { ["scanned"] = request.DeviceCode.Trim(), ["reason"] = refusal },
            }, cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, type: ProblemTypes.WrongDevice, detail: refusal,
                extensions: new Dictionary<string, object?> { ["expected"] = device?.ElementString });
        }

        var now = time.GetUtcNow().UtcDateTime;
        var use = new SurgicalUse
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()), OrderId = order.Id, SurgeryDate = request.SurgeryDate.Value, Surgeon = request.Surgeon.Trim(),
            ScannedCode = request.DeviceCode.Trim(), Fit = fit, FitNotes = request.FitNotes?.Trim(), AdverseEvents = request.AdverseEvents?.Trim(),
            RecordedBy = ActorId(user), RecordedByName = user.Identity?.Name ?? "", RecordedAt = now,
        };
        db.SurgicalUses.Add(use);

        // A device left unused is not followed up; the order then closes with a reason.
        if (fit != IntraoperativeFit.NotUsed)
        {
            var months = route.ProfileFor(order).FollowUpMonths;
            foreach (var month in months)
            {
                db.FollowUps.Add(new FollowUp
                {
                    Id = Guid.CreateVersion7(time.GetUtcNow()), OrderId = order.Id, InstitutionId = order.InstitutionId, Month = month,
                    DueOn = use.SurgeryDate.AddMonths(month), IsFinal = month == months[^1],
                });
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataCreated)
        {
            TargetType = "surgical-use",
            TargetId = device!.ElementString,
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["fit"] = fit.ToString(), ["adverseEvents"] = !string.IsNullOrWhiteSpace(use.AdverseEvents) },
        }, cancellationToken);
        return TypedResults.Created($"/api/orders/{id}/surgical-use", ToView(use));
    }

    /// <summary>Null when the code names this order's device; otherwise why not. Scanned GS1 data or the serial typed alone.</summary>
    internal static string? CheckDevice(DeviceIdentifier? device, string code, DateOnly surgeryDate)
    {
        if (device is null)
        {
            return "The order has no released device.";
        }

        var scanned = Gs1.TryParse(code);
        var matches = scanned is null
            ? string.Equals(code.Trim(), device.SerialNumber, StringComparison.Ordinal)
            : scanned.Gtin == device.Gtin && scanned.Serial == device.SerialNumber && (scanned.Lot is null || scanned.Lot == device.LotNumber);
        if (!matches)
        {
            return "The scanned device is not this order's device: do not implant it.";
        }

        return device.ExpiresOn < surgeryDate ? $"The device expired on {device.ExpiresOn:yyyy-MM-dd}." : null;
    }

    internal static async Task<Results<Ok<FollowUpsView>, NotFound>> ListFollowUpsAsync(
        Guid id, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var rows = await db.FollowUps.AsNoTracking().Where(f => f.OrderId == id).OrderBy(f => f.Month).ToListAsync(cancellationToken);
        var closure = await db.FollowUpClosures.AsNoTracking().Where(c => c.OrderId == id).Select(c => c.Reason).SingleOrDefaultAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "follow-ups", TargetId = order.Number, OrderId = order.Id }, cancellationToken);
        return TypedResults.Ok(new FollowUpsView([.. rows.Select(f => ToView(f, today))], closure));
    }

    internal static async Task<Results<Ok<FollowUpView>, NotFound, ValidationProblem, ProblemHttpResult>> RecordFollowUpAsync(
        Guid id, Guid followUpId, FollowUpRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        var followUp = order is null ? null : await db.FollowUps.SingleOrDefaultAsync(f => f.Id == followUpId && f.OrderId == id, cancellationToken);
        if (order is null || followUp is null)
        {
            return TypedResults.NotFound();
        }

        if (!IsInstitution(user, order, Roles.Physician))
        {
            return Forbidden("The institution's physician records follow-ups.");
        }

        if (order.State is not (OrderState.Used or OrderState.FollowUp) || followUp.RecordedAt is not null)
        {
            return Conflict(followUp.RecordedAt is not null ? "This follow-up is recorded already." : $"Follow-ups are recorded after surgery (the order is {order.State}).");
        }

        var feedback = FeedbackKind.None;
        if (request.PerformedOn is null || string.IsNullOrWhiteSpace(request.Outcome)
            || (request.Feedback is not null && (!Enum.TryParse(request.Feedback, out feedback) || !Enum.IsDefined(feedback))))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["outcome"] = ["Date performed and outcome are required; feedback is None, DesignIssue or FitIssue."],
            }, type: ProblemTypes.Validation);
        }

        followUp.PerformedOn = request.PerformedOn;
        followUp.Outcome = request.Outcome.Trim();
        followUp.Imaging = request.Imaging?.Trim();
        followUp.Complications = request.Complications?.Trim();
        followUp.Feedback = feedback;
        followUp.FeedbackNotes = request.FeedbackNotes?.Trim();
        followUp.RecordedBy = ActorId(user);
        followUp.RecordedByName = user.Identity?.Name ?? "";
        followUp.RecordedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataUpdated)
        {
            TargetType = "follow-up",
            TargetId = $"{order.Number}/m{followUp.Month}",
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["feedback"] = feedback.ToString() },
        }, cancellationToken);
        return TypedResults.Ok(ToView(followUp, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime)));
    }

    internal static async Task<Results<Ok<FollowUpsView>, NotFound, ValidationProblem, ProblemHttpResult>> CloseReasonAsync(
        Guid id, ClosureRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (!IsInstitution(user, order, Roles.Physician, Roles.InstitutionAdmin))
        {
            return Forbidden("The institution records why it closes the order.");
        }

        if (order.State is not (OrderState.Used or OrderState.FollowUp))
        {
            return Conflict($"A closure reason is recorded after surgery (the order is {order.State}).");
        }

        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["Say why the order closes without its final follow-up."] }, type: ProblemTypes.Validation);
        }

        var closure = await db.FollowUpClosures.SingleOrDefaultAsync(c => c.OrderId == id, cancellationToken);
        if (closure is null)
        {
            closure = new FollowUpClosure { Id = Guid.CreateVersion7(time.GetUtcNow()), OrderId = id };
            db.FollowUpClosures.Add(closure);
        }

        closure.Reason = request.Reason.Trim();
        closure.RecordedBy = ActorId(user);
        closure.RecordedByName = user.Identity?.Name ?? "";
        closure.RecordedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataUpdated) { TargetType = "follow-up-closure", TargetId = order.Number, OrderId = order.Id }, cancellationToken);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var rows = await db.FollowUps.AsNoTracking().Where(f => f.OrderId == id).OrderBy(f => f.Month).ToListAsync(cancellationToken);
        return TypedResults.Ok(new FollowUpsView([.. rows.Select(f => ToView(f, today))], closure.Reason));
    }

    internal static ShipmentView ToView(Shipment s) =>
        new(s.Carrier, s.TrackingNumber, s.SentAt, s.SentByName, s.ReceivedAt, s.ReceivedByName, s.Condition?.ToString(), s.PackageIntact, s.ReceiptNotes);

    internal static SurgicalUseView ToView(SurgicalUse u) =>
        new(u.SurgeryDate, u.Surgeon, u.ScannedCode, u.Fit.ToString(), u.FitNotes, u.AdverseEvents, u.RecordedByName, u.RecordedAt);

    internal static FollowUpView ToView(FollowUp f, DateOnly today) => new(
        f.Id, f.Month, f.DueOn, f.IsFinal, f.RecordedAt is null && f.DueOn < today, f.PerformedOn, f.Outcome, f.Imaging, f.Complications, f.Feedback?.ToString(),
        f.FeedbackNotes, f.RecordedByName);

    private static bool IsInstitution(ClaimsPrincipal user, Order order, params string[] roles) =>
        order.InstitutionId == OrganizationOf(user) && roles.Any(user.IsInRole);

    private static ProblemHttpResult Forbidden(string detail) => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden, detail: detail);

    private static ProblemHttpResult Conflict(string detail) => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: detail);

    private static Guid OrganizationOf(ClaimsPrincipal user) => Guid.TryParse(user.FindFirstValue(TrabeculaClaimTypes.OrganizationId), out var id) ? id : Guid.Empty;

    private static Guid ActorId(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
}
