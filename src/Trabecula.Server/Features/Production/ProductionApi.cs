using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Permissions;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Production;

public sealed record StepRequest(
    string? Kind, DateTime? StartedAt, DateTime? EndedAt, [property: MaxLength(500)] string? Equipment, Guid? MachineId, Guid? MaterialLotId, Guid? SterilizationBatchId,
    Dictionary<string, string>? Parameters, string? Result, [property: MaxLength(2000)] string? Notes);

public sealed record SignOffRequest(bool Approve, [property: MaxLength(1000)] string? Note);

public sealed record AttachmentView(Guid Id, string FileName, string ContentType, long Length, string Sha256, string UploadedBy, DateTime UploadedAt);

public sealed record StepView(
    Guid Id, string Kind, string Operator, DateTime StartedAt, DateTime EndedAt, string Equipment, Guid? MachineId, Guid? MaterialLotId, Guid? SterilizationBatchId,
    IReadOnlyDictionary<string, string> Parameters, string Result, string? Notes, DateTime RecordedAt, string? QaSignedBy, DateTime? QaSignedAt, bool? QaApproved, string? QaNote,
    IReadOnlyList<AttachmentView> Attachments);

public sealed record DeviceIdentifierView(
    Guid Id, string Gtin, string SerialNumber, string LotNumber, DateOnly ManufacturedOn, DateOnly ExpiresOn, string ElementString, string Encoded, string ReleasedBy, DateTime ReleasedAt)
{
    public static DeviceIdentifierView Of(DeviceIdentifier d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new(d.Id, d.Gtin, d.SerialNumber, d.LotNumber, d.ManufacturedOn, d.ExpiresOn, d.ElementString, Gs1.Encoded(d.Parts()), d.ReleasedByName, d.ReleasedAt);
    }
}

public sealed record ProductionView(
    Guid OrderId, string OrderNumber, string State, string Category, string DeviceName, string UdiDi, IReadOnlyList<RouteStepStatus> Route, IReadOnlyList<StepView> Steps,
    DeviceIdentifierView? Device, ReleasedPackage? Package);

/// <summary>
/// Production records of one order in Manufacturing (R-TRACE-1, T/CAMDI 028 clause 4): the route
/// and where it stands, step records with operator, times, equipment, parameters and result,
/// attachments, QA sign-off, the QC release that assigns the device identifier, and its label.
/// Access follows the permission matrix for <see cref="DataClass.ProductionRecords"/>; a
/// non-participant gets 404.
/// </summary>
internal static class ProductionApi
{
    private static readonly HashSet<string> AttachmentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "application/pdf", "image/png", "image/jpeg", "text/plain", "text/csv", "application/json", "application/octet-stream",
    };

    public static void MapProductionApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/orders/{id:guid}/production").WithTags("Production").RequireAuthorization(Policies.Active);
        group.MapGet("/", GetAsync).WithName("GetProduction").WithSummary("The route of the order's device category, where each step stands, every step record, the device identifier.");
        group.MapPost("/steps", RecordStepAsync).WithName("RecordProductionStep")
            .WithSummary("Record a step (operator = caller). QcRelease (a QualityInspector) needs every other step done and assigns the UDI.");
        group.MapPost("/steps/{stepId:guid}/sign-off", SignOffAsync).WithName("SignOffProductionStep")
            .WithSummary("A QualityInspector other than the operator approves or rejects a step record.");
        group.MapPost("/steps/{stepId:guid}/attachments", AttachAsync).WithName("AttachToProductionStep")
            .WithSummary("Attach a file (build log, CMM report, indicator photo) to a step; the body is the file, ?name= its display name.")
            .Accepts<Stream>("application/pdf", "image/png", "image/jpeg", "text/plain", "text/csv", "application/json", "application/octet-stream");
        group.MapGet("/steps/{stepId:guid}/attachments/{attachmentId:guid}", DownloadAttachmentAsync).WithName("DownloadProductionAttachment")
            .WithSummary("An attached file, checked against its SHA-256.");
        group.MapGet("/label.pdf", LabelAsync).WithName("DeviceLabel")
            .WithSummary("The device label (PDF): GS1 element string, QR code, order, pseudonym, device, manufacturer, registrant, sterilization.");
    }

    internal static async Task<Results<Ok<ProductionView>, NotFound, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, ProductionRoute route, IReleasedPackageSource packages, IAuditLog audit, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.ProductionRecords, DataAction.View, cancellationToken))
        {
            return Forbidden("Production records are the manufacturer's, and readable by the institution and registrant from release on.");
        }

        var view = await ViewAsync(db, order, route, packages, cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "production-records", TargetId = order.Number, OrderId = order.Id }, cancellationToken);
        return TypedResults.Ok(view);
    }

    internal static async Task<Results<Created<StepView>, NotFound, ValidationProblem, ProblemHttpResult>> RecordStepAsync(
        Guid id, StepRequest request, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, ProductionRoute route, IReleasedPackageSource packages,
        IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.ProductionRecords, DataAction.Upload, cancellationToken))
        {
            return Forbidden("Production steps are recorded by the manufacturer's operators and inspectors.");
        }

        if (order.State != OrderState.Manufacturing)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict,
                detail: $"Production steps are recorded while the order is in Manufacturing (it is {order.State}).");
        }

        var profile = route.ProfileFor(order);
        var errors = new Dictionary<string, string[]>();
        if (!Enum.TryParse<ProductionStepKind>(request.Kind, out var kind) || !Enum.IsDefined(kind) || profile.Route.All(r => r.Kind != kind))
        {
            errors["kind"] = [$"One of the route's steps: {string.Join(", ", profile.Route.Select(r => r.Kind))}."];
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var routeStep = profile.Route.Single(r => r.Kind == kind);
        if (!Enum.TryParse<StepResult>(request.Result, out var result) || !Enum.IsDefined(result))
        {
            errors["result"] = ["Pass or Fail."];
        }

        var now = time.GetUtcNow().UtcDateTime;
        var started = request.StartedAt?.ToUniversalTime();
        var ended = request.EndedAt?.ToUniversalTime();
        if (started is null || ended is null || ended < started)
        {
            errors["endedAt"] = ["Start and end (UTC) are required, the end not before the start."];
        }
        else if (ended > now.AddMinutes(5))
        {
            errors["endedAt"] = ["A step cannot end in the future."];
        }

        var parameters = request.Parameters ?? [];
        if (parameters.Count > 50 || parameters.Any(p => p.Key.Length is 0 or > 64 || p.Value is null || p.Value.Length > 500))
        {
            errors["parameters"] = ["Up to 50 parameters, names of 1 to 64 characters, values up to 500."];
        }

        await CheckReferencesAsync(db, order, request, errors, cancellationToken);
        var step = new ProductionStep
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OrderId = order.Id,
            Kind = kind,
            OperatorId = ActorId(user),
            OperatorName = user.Identity?.Name ?? "",
            StartedAt = started ?? now,
            EndedAt = ended ?? now,
            Equipment = request.Equipment?.Trim() ?? "",
            MachineId = request.MachineId,
            MaterialLotId = request.MaterialLotId,
            SterilizationBatchId = request.SterilizationBatchId,
            Parameters = JsonSerializer.Serialize(parameters.ToDictionary(p => p.Key.Trim(), p => p.Value.Trim(), StringComparer.Ordinal)),
            Result = result,
            Notes = request.Notes?.Trim(),
            RecordedAt = now,
        };

        // "attachment" is checked at release: files are attached to a record after it exists.
        var missing = ProductionRoute.MissingFields(routeStep, step, hasAttachment: true);
        if (missing.Count > 0)
        {
            errors["parameters"] = [$"The route asks this step for: {string.Join(", ", missing)}."];
        }

        if (kind == ProductionStepKind.DataProcessing && await packages.CurrentAsync(order.Id, cancellationToken) is { } package
            && !string.Equals(parameters.GetValueOrDefault("packageSha256")?.Trim(), package.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            errors["parameters.packageSha256"] = [$"The released package (version {package.Version}) has SHA-256 {package.Sha256}; process that package."];
        }

        if (kind == ProductionStepKind.Printing && parameters.TryGetValue("buildJobId", out var job) && !Gs1.IsValidVariableField(job.Trim()))
        {
            errors["parameters.buildJobId"] = ["The build job id becomes the lot (GS1 AI 10): up to 20 letters, digits, - . / _."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        DeviceIdentifier? device = null;
        if (kind == ProductionStepKind.QcRelease)
        {
            if (!user.IsInRole(Roles.QualityInspector))
            {
                return Forbidden("QC release is a quality inspector's.");
            }

            var open = (await route.EvaluateAsync(order, cancellationToken)).Where(s => s.Kind != nameof(ProductionStepKind.QcRelease) && s.Status != ProductionRoute.Done).ToList();
            if (open.Count > 0 && result == StepResult.Pass)
            {
                await audit.RecordAsync(new AuditEvent(AuditAction.PermissionDenied, AuditOutcome.Denied)
                {
                    TargetType = "qc-release",
                    TargetId = order.Number,
                    OrderId = order.Id,
                    Details = new Dictionary<string, object?> { ["open"] = string.Join(",", open.Select(o => $"{o.Kind}:{o.Status}")) },
                }, cancellationToken);
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.PreconditionUnmet,
                    detail: ProductionRoute.Describe(open),
                    extensions: new Dictionary<string, object?> { ["missing"] = open.Select(o => new { kind = o.Kind, status = o.Status }).ToList() });
            }

            if (result == StepResult.Pass && !await db.DeviceIdentifiers.AnyAsync(d => d.OrderId == order.Id, cancellationToken))
            {
                device = await AssignIdentifierAsync(db, order, profile, user, now, cancellationToken);
                db.DeviceIdentifiers.Add(device);
            }
        }

        db.ProductionSteps.Add(step);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataCreated)
        {
            TargetType = "production-step",
            TargetId = $"{order.Number}/{kind}/{step.Id}",
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["kind"] = kind.ToString(), ["result"] = result.ToString() },
        }, cancellationToken);
        if (device is not null)
        {
            await audit.RecordAsync(new AuditEvent(AuditAction.DeviceIdentifierAssigned)
            {
                TargetType = "device",
                TargetId = device.ElementString,
                OrderId = order.Id,
            }, cancellationToken);
        }

        return TypedResults.Created($"/api/orders/{id}/production", ToView(step, []));
    }

    internal static async Task<Results<Ok<StepView>, NotFound, ProblemHttpResult>> SignOffAsync(
        Guid id, Guid stepId, SignOffRequest request, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        var step = order is null ? null : await db.ProductionSteps.SingleOrDefaultAsync(s => s.Id == stepId && s.OrderId == order.Id, cancellationToken);
        if (order is null || step is null)
        {
            return TypedResults.NotFound();
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.ProductionRecords, DataAction.Upload, cancellationToken) || !user.IsInRole(Roles.QualityInspector))
        {
            return Forbidden("A quality inspector of the manufacturer signs off steps.");
        }

        if (step.OperatorId == ActorId(user))
        {
            return Forbidden("The operator of a step does not sign off their own record (separation of duties).");
        }

        if (order.State != OrderState.Manufacturing || step.QaSignedAt is not null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict,
                detail: step.QaSignedAt is not null ? "This record is signed off already; record the step again to change it." : "Sign-off happens in Manufacturing.");
        }

        step.QaSignedBy = ActorId(user);
        step.QaSignedByName = user.Identity?.Name ?? "";
        step.QaSignedAt = time.GetUtcNow().UtcDateTime;
        step.QaApproved = request.Approve;
        step.QaNote = request.Note?.Trim();
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataUpdated)
        {
            TargetType = "production-step-sign-off",
            TargetId = $"{order.Number}/{step.Kind}/{step.Id}",
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["approved"] = request.Approve },
        }, cancellationToken);
        return TypedResults.Ok(ToView(step, await AttachmentsAsync(db, [step.Id], cancellationToken)));
    }

    internal static async Task<Results<Created<AttachmentView>, NotFound, ValidationProblem, ProblemHttpResult>> AttachAsync(
        Guid id, Guid stepId, string? name, HttpRequest request, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        var step = order is null ? null : await db.ProductionSteps.AsNoTracking().SingleOrDefaultAsync(s => s.Id == stepId && s.OrderId == order.Id, cancellationToken);
        if (order is null || step is null)
        {
            return TypedResults.NotFound();
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.ProductionRecords, DataAction.Upload, cancellationToken))
        {
            return Forbidden("Attachments belong to the manufacturer's records.");
        }

        var contentType = request.ContentType?.Split(';')[0].Trim() ?? "";
        if (!AttachmentTypes.Contains(contentType))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, type: ProblemTypes.UnsupportedMediaType,
                detail: $"Attach {string.Join(", ", AttachmentTypes)}.");
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length == 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["The file is empty."] }, type: ProblemTypes.Validation);
        }

        var stored = await blobs.PutAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken);
        var displayName = Path.GetFileName(name?.Trim() ?? "");
        var attachment = new ProductionAttachment
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            StepId = step.Id,
            OrderId = order.Id,
            FileName = displayName.Length is > 0 and <= 255 ? displayName : "attachment",
            ContentType = contentType,
            BlobKey = stored.Key,
            Length = stored.Length,
            Sha256 = stored.Sha256,
            UploadedBy = ActorId(user),
            UploadedByName = user.Identity?.Name ?? "",
            UploadedAt = time.GetUtcNow().UtcDateTime,
        };
        db.ProductionAttachments.Add(attachment);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataUploaded)
        {
            TargetType = "production-attachment",
            TargetId = attachment.Id.ToString(),
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["step"] = step.Id.ToString(), ["sha256"] = stored.Sha256, ["length"] = stored.Length },
        }, cancellationToken);
        return TypedResults.Created($"/api/orders/{id}/production/steps/{stepId}/attachments/{attachment.Id}", ToView(attachment));
    }

    internal static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> DownloadAttachmentAsync(
        Guid id, Guid stepId, Guid attachmentId, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        var attachment = order is null ? null
            : await db.ProductionAttachments.AsNoTracking().SingleOrDefaultAsync(a => a.Id == attachmentId && a.StepId == stepId && a.OrderId == order.Id, cancellationToken);
        if (order is null || attachment is null)
        {
            return TypedResults.NotFound();
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.ProductionRecords, DataAction.View, cancellationToken))
        {
            return Forbidden("Production records are not yours to read at this stage.");
        }

        var bytes = await blobs.GetAsync(attachment.BlobKey, attachment.Sha256, cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataDownloaded) { TargetType = "production-attachment", TargetId = attachment.Id.ToString(), OrderId = order.Id }, cancellationToken);
        return TypedResults.File(bytes, attachment.ContentType, attachment.FileName);
    }

    internal static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> LabelAsync(
        Guid id, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, ProductionRoute route, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.ProductionRecords, DataAction.View, cancellationToken))
        {
            return Forbidden("The label is part of the production records.");
        }

        var label = await DeviceLabel.LoadAsync(db, order, route, cancellationToken);
        if (label is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.PreconditionUnmet, detail: "The device has no identifier before QC release.");
        }

        var pdf = DeviceLabel.Render(label);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataDownloaded) { TargetType = "device-label", TargetId = label.ElementString, OrderId = order.Id }, cancellationToken);
        return TypedResults.File(pdf, "application/pdf", $"label-{order.Number}.pdf");
    }

    internal static async Task<ProductionView> ViewAsync(TrabeculaDbContext db, Order order, ProductionRoute route, IReleasedPackageSource packages, CancellationToken cancellationToken)
    {
        var profile = route.ProfileFor(order);
        var steps = await db.ProductionSteps.AsNoTracking().Where(s => s.OrderId == order.Id).OrderBy(s => s.RecordedAt).ThenBy(s => s.Id).ToListAsync(cancellationToken);
        var attachments = await AttachmentsAsync(db, [.. steps.Select(s => s.Id)], cancellationToken);
        var device = await db.DeviceIdentifiers.AsNoTracking().SingleOrDefaultAsync(d => d.OrderId == order.Id, cancellationToken);
        return new ProductionView(
            order.Id, order.Number, order.State.ToString(), order.DeviceCategory, profile.DeviceName, profile.Gtin, await route.EvaluateAsync(order, cancellationToken),
            [.. steps.Select(s => ToView(s, attachments))], device is null ? null : DeviceIdentifierView.Of(device), await packages.CurrentAsync(order.Id, cancellationToken));
    }

    internal static StepView ToView(ProductionStep s, IReadOnlyList<(Guid StepId, AttachmentView View)> attachments) => new(
        s.Id, s.Kind.ToString(), s.OperatorName, s.StartedAt, s.EndedAt, s.Equipment, s.MachineId, s.MaterialLotId, s.SterilizationBatchId,
        ProductionRoute.ReadParameters(s.Parameters), s.Result.ToString(), s.Notes, s.RecordedAt, s.QaSignedByName, s.QaSignedAt, s.QaApproved, s.QaNote,
        [.. attachments.Where(a => a.StepId == s.Id).Select(a => a.View)]);

    private static async Task<List<(Guid StepId, AttachmentView View)>> AttachmentsAsync(TrabeculaDbContext db, List<Guid> stepIds, CancellationToken cancellationToken) =>
        [.. (await db.ProductionAttachments.AsNoTracking().Where(a => stepIds.Contains(a.StepId)).OrderBy(a => a.UploadedAt).ToListAsync(cancellationToken))
            .Select(a => (a.StepId, ToView(a)))];

    private static AttachmentView ToView(ProductionAttachment a) => new(a.Id, a.FileName, a.ContentType, a.Length, a.Sha256, a.UploadedByName, a.UploadedAt);

    /// <summary>The machine, lot and batch a step names must be the order's manufacturer's own records.</summary>
    private static async Task CheckReferencesAsync(TrabeculaDbContext db, Order order, StepRequest request, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        var factory = order.ManufacturerId ?? Guid.Empty;
        if (request.MachineId is { } machine && !await db.ProductionMachines.AnyAsync(m => m.Id == machine && m.ManufacturerId == factory, cancellationToken))
        {
            errors["machineId"] = ["Not one of the factory's machines."];
        }

        if (request.MaterialLotId is { } lot && !await db.MaterialLots.AnyAsync(l => l.Id == lot && l.ManufacturerId == factory, cancellationToken))
        {
            errors["materialLotId"] = ["Not one of the factory's material lots."];
        }

        if (request.SterilizationBatchId is { } batch && !await db.SterilizationBatches.AnyAsync(b => b.Id == batch && b.ManufacturerId == factory, cancellationToken))
        {
            errors["sterilizationBatchId"] = ["Not one of the factory's sterilization batches."];
        }
    }

    /// <summary>
    /// UDI-DI from the device category; serial = the order number (one custom device per order);
    /// lot = the build job; manufactured = the day printing ended; expiry after the shelf life.
    /// </summary>
    private static async Task<DeviceIdentifier> AssignIdentifierAsync(TrabeculaDbContext db, Order order, DeviceCategoryProduction profile, ClaimsPrincipal user, DateTime now, CancellationToken cancellationToken)
    {
        var printing = await db.ProductionSteps.AsNoTracking().Where(s => s.OrderId == order.Id && s.Kind == ProductionStepKind.Printing)
            .OrderByDescending(s => s.RecordedAt).FirstOrDefaultAsync(cancellationToken);
        var job = printing is null ? null : ProductionRoute.ReadParameters(printing.Parameters).GetValueOrDefault("buildJobId")?.Trim();
        var lot = Gs1.IsValidVariableField(job) ? job! : order.Number;
        var made = DateOnly.FromDateTime(printing?.EndedAt ?? now);
        var parts = new UdiParts(profile.Gtin, made, made.AddMonths(profile.ShelfLifeMonths), lot, order.Number);
        return new DeviceIdentifier
        {
            Id = Guid.CreateVersion7(new DateTimeOffset(now)),
            OrderId = order.Id,
            Gtin = parts.Gtin,
            SerialNumber = order.Number,
            LotNumber = lot,
            ManufacturedOn = made,
            ExpiresOn = parts.ExpiresOn!.Value,
            ElementString = Gs1.HumanReadable(parts),
            ReleasedBy = ActorId(user),
            ReleasedByName = user.Identity?.Name ?? "",
            ReleasedAt = now,
        };
    }

    private static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden, detail: detail);

    private static Guid ActorId(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);

    internal static string Invariant(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
