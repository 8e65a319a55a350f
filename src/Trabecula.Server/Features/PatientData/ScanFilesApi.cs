using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Trabecula.Mesh;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Permissions;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.PatientData;

public sealed record AcquisitionRequest(
    [property: MaxLength(128)] string? Manufacturer, [property: MaxLength(128)] string? Model, [property: MaxLength(128)] string? SerialNumber,
    double? ResolutionMm, double? AccuracyMm, DateTime? AcquiredAt);

public sealed record AcquisitionView(string? Manufacturer, string? Model, string? SerialNumber, double? ResolutionMm, double? AccuracyMm, DateTime? AcquiredAt);

public sealed record ScanFileView(Guid Id, string Format, string? Name, long Length, string Sha256, JsonElement Report, bool Deidentified, bool AlreadyStored = false);

/// <summary>
/// Optical captures and model scans (R-DATA-1, R-DATA-2): 3-D scans (STL, PLY, OBJ) and photos
/// (JPEG, PNG) posted one file per request to a dataset that is not medical imaging, told apart by
/// their bytes, read completely before anything is kept, encrypted, hashed and audited like DICOM;
/// and the acquisition facts (device, resolution, accuracy, time) that DICOM carries in its
/// headers, entered by hand.
/// </summary>
internal static class ScanFilesApi
{
    /// <summary>One scan per request, read whole: larger captures go through the resumable uploads.</summary>
    internal const long MaxScanBytes = 128L << 20;

    public static void MapScanFilesApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/orders/{id:guid}/datasets/{datasetId:guid}").WithTags("Patient data").RequireAuthorization(Policies.Active);
        group.MapPost("/files", StoreAsync).WithName("StoreScanFile")
            .WithSummary("One optical capture or model scan per request (STL, PLY, OBJ, JPEG, PNG; the type is read from the bytes): read completely, hashed, encrypted, stored, audited. ?name= is kept for the institution only.")
            .Accepts<Stream>("application/octet-stream")
            .WithMetadata(new RequestSizeLimitAttribute(MaxScanBytes));
        group.MapGet("/files/{fileId:guid}", DownloadAsync).WithName("DownloadScanFile")
            .WithSummary("The scan as uploaded, for those the matrix allows (the institution).");
        group.MapGet("/files/{fileId:guid}/deidentified", DownloadDeidentifiedAsync).WithName("DownloadDeidentifiedScanFile")
            .WithSummary("The designer's copy made at confirmation: geometry as binary STL, or the photo without its metadata.");
        group.MapPut("/acquisition", RecordAcquisitionAsync).WithName("RecordAcquisition")
            .WithSummary("The acquisition facts of an optical capture or model scan: device, resolution, accuracy, time (until the dataset is confirmed).");
    }

    internal static async Task<Results<Created<ScanFileView>, Ok<ScanFileView>, NotFound, ProblemHttpResult>> StoreAsync(
        Guid id, Guid datasetId, string? name, HttpRequest request, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs,
        IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var (order, dataset) = await PatientDataApi.FindDatasetAsync(db, id, datasetId, user, time, cancellationToken);
        if (order is null || dataset is null)
        {
            return TypedResults.NotFound();
        }

        if (request.ContentLength is > MaxScanBytes)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, $"One scan per request is at most {MaxScanBytes >> 20} MiB.");
        }

        using var body = new MemoryStream(request.ContentLength is > 0 and <= MaxScanBytes ? (int)request.ContentLength.Value : 0);
        await request.Body.CopyToAsync(body, cancellationToken);
        return await StoreBytesAsync(order, dataset, body.GetBuffer().AsMemory(0, (int)body.Length), name, user, db, policy, blobs, audit, time, cancellationToken);
    }

    /// <summary>Checks, reads, stores and indexes one scan file: the API's and the order page's upload.</summary>
    internal static async Task<Results<Created<ScanFileView>, Ok<ScanFileView>, NotFound, ProblemHttpResult>> StoreBytesAsync(
        Order order, PatientDataset dataset, ReadOnlyMemory<byte> bytes, string? name, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs,
        IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var (id, datasetId) = (order.Id, dataset.Id);
        if (!await policy.AuthorizeAsync(user, order, DataClass.IdentifiedPatientData, DataAction.Upload, cancellationToken))
        {
            return Problem(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Uploading patient data is the institution's, before the design is approved.");
        }

        if (dataset.Kind == DatasetKind.MedicalImaging)
        {
            return Problem(StatusCodes.Status409Conflict, ProblemTypes.Conflict, "Medical imaging is DICOM: post it to the dataset's instances or archives.");
        }

        if (dataset.ConfirmedAt is not null)
        {
            return Problem(StatusCodes.Status409Conflict, ProblemTypes.Conflict, "The dataset is confirmed; open a new dataset for more data.");
        }

        ScanContent content;
        try
        {
            content = ScanFormats.Read(bytes);
        }
        catch (ScanFormatException ex)
        {
            return ex.Unsupported
                ? Problem(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, ex.Message)
                : TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, type: ProblemTypes.UnprocessableContent, detail: ex.Message,
                    extensions: new Dictionary<string, object?> { ["offset"] = ex.Offset, ["line"] = ex.Line });
        }

        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes.Span));
        var existing = await db.ScanFiles.AsNoTracking().SingleOrDefaultAsync(f => f.DatasetId == datasetId && f.Sha256 == sha, cancellationToken);
        if (existing is not null)
        {
            return TypedResults.Ok(View(existing, showName: true) with { AlreadyStored = true });
        }

        var stored = await blobs.PutAsync(bytes, new BlobPutOptions
        {
            Sensitivity = BlobSensitivity.SensitiveMedical,
            Category = nameof(DataClass.IdentifiedPatientData),
            OrderId = order.Id,
        }, cancellationToken);
        var file = new ScanFile
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            DatasetId = datasetId,
            OrderId = order.Id,
            Format = content.Format,
            OriginalName = string.IsNullOrWhiteSpace(name) ? null : Path.GetFileName(name.Trim())[..Math.Min(Path.GetFileName(name.Trim()).Length, 255)],
            BlobKey = stored.Key,
            Length = stored.Length,
            Sha256 = stored.Sha256,
            Report = ReportJson(content),
            ReceivedAt = time.GetUtcNow().UtcDateTime,
            ReceivedBy = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!),
        };
        db.ScanFiles.Add(file);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataUploaded)
        {
            TargetType = "scan-file",
            TargetId = file.Id.ToString(),
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["format"] = content.Format.ToString(), ["bytes"] = stored.Length, ["sha256"] = stored.Sha256 },
        }, cancellationToken);
        return TypedResults.Created($"/api/orders/{id}/datasets/{datasetId}/files/{file.Id}", View(file, showName: true));
    }

    internal static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> DownloadAsync(
        Guid id, Guid datasetId, Guid fileId, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken) =>
        await ServeAsync(id, datasetId, fileId, deidentified: false, user, db, policy, blobs, audit, time, cancellationToken);

    internal static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> DownloadDeidentifiedAsync(
        Guid id, Guid datasetId, Guid fileId, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken) =>
        await ServeAsync(id, datasetId, fileId, deidentified: true, user, db, policy, blobs, audit, time, cancellationToken);

    internal static async Task<Results<Ok<AcquisitionView>, NotFound, ValidationProblem, ProblemHttpResult>> RecordAcquisitionAsync(
        Guid id, Guid datasetId, AcquisitionRequest request, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IAuditLog audit, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var (order, dataset) = await PatientDataApi.FindDatasetAsync(db, id, datasetId, user, time, cancellationToken, tracking: true);
        if (order is null || dataset is null)
        {
            return TypedResults.NotFound();
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.IdentifiedPatientData, DataAction.Upload, cancellationToken))
        {
            return Problem(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "The institution records how its data was acquired.");
        }

        if (dataset.ConfirmedAt is not null)
        {
            return Problem(StatusCodes.Status409Conflict, ProblemTypes.Conflict, "The dataset is confirmed: its acquisition facts are part of what was confirmed.");
        }

        var errors = new Dictionary<string, string[]>();
        if (request.ResolutionMm is { } resolution && (!double.IsFinite(resolution) || resolution <= 0 || resolution > 100))
        {
            errors["resolutionMm"] = ["A resolution in (0, 100] mm."];
        }

        if (request.AccuracyMm is { } accuracy && (!double.IsFinite(accuracy) || accuracy <= 0 || accuracy > 100))
        {
            errors["accuracyMm"] = ["An accuracy in (0, 100] mm."];
        }

        if (request.AcquiredAt is { } acquired && acquired.ToUniversalTime() > time.GetUtcNow().UtcDateTime.AddMinutes(5))
        {
            errors["acquiredAt"] = ["The acquisition cannot be in the future."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        dataset.DeviceManufacturer = Clean(request.Manufacturer);
        dataset.DeviceModel = Clean(request.Model);
        dataset.DeviceSerialNumber = Clean(request.SerialNumber);
        dataset.ResolutionMm = request.ResolutionMm;
        dataset.AccuracyMm = request.AccuracyMm;
        dataset.AcquiredAt = request.AcquiredAt?.ToUniversalTime();
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataUpdated) { TargetType = "dataset-acquisition", TargetId = dataset.Id.ToString(), OrderId = order.Id }, cancellationToken);
        return TypedResults.Ok(Acquisition(dataset));
    }

    internal static AcquisitionView Acquisition(PatientDataset d) =>
        new(d.DeviceManufacturer, d.DeviceModel, d.DeviceSerialNumber, d.ResolutionMm, d.AccuracyMm, d.AcquiredAt);

    internal static ScanFileView View(ScanFile f, bool showName)
    {
        using var report = JsonDocument.Parse(f.Report);
        return new ScanFileView(f.Id, f.Format.ToString(), showName ? f.OriginalName : null, f.Length, f.Sha256, report.RootElement.Clone(), f.DeidentifiedBlobKey is not null);
    }

    /// <summary>
    /// Makes the designers' copies of a dataset's scans at confirmation (R-DATA-6). Re-reading each
    /// stored file also re-checks it: a scan that no longer reads is an integrity failure.
    /// </summary>
    internal static async Task<int> MakeDerivativesAsync(TrabeculaDbContext db, IBlobStore blobs, Order order, Guid datasetId, CancellationToken cancellationToken)
    {
        var pseudonym = await db.Cases.AsNoTracking().Where(c => c.Id == order.CaseId).Select(c => c.Pseudonym).SingleAsync(cancellationToken);
        var files = await db.ScanFiles.Where(f => f.DatasetId == datasetId && f.DeidentifiedBlobKey == null).ToListAsync(cancellationToken);
        foreach (var file in files)
        {
            var original = await blobs.GetAsync(file.BlobKey, file.Sha256, cancellationToken);
            var (bytes, _, _) = ScanFormats.Derivative(ScanFormats.Read(original), original, pseudonym);
            var stored = await blobs.PutAsync(bytes, new BlobPutOptions
            {
                Sensitivity = BlobSensitivity.NonSensitiveMedical,
                Category = nameof(DataClass.DeidentifiedPatientData),
                OrderId = order.Id,
            }, cancellationToken);
            file.DeidentifiedBlobKey = stored.Key;
            file.DeidentifiedLength = stored.Length;
            file.DeidentifiedSha256 = stored.Sha256;
        }

        await db.SaveChangesAsync(cancellationToken);
        return files.Count;
    }

    private static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> ServeAsync(
        Guid id, Guid datasetId, Guid fileId, bool deidentified, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        var file = order is null ? null
            : await db.ScanFiles.AsNoTracking().SingleOrDefaultAsync(f => f.Id == fileId && f.DatasetId == datasetId && f.OrderId == id, cancellationToken);
        if (order is null || file is null || (deidentified && file.DeidentifiedBlobKey is null))
        {
            return TypedResults.NotFound();
        }

        var dataClass = deidentified ? DataClass.DeidentifiedPatientData : DataClass.IdentifiedPatientData;
        if (!await policy.AuthorizeAsync(user, order, dataClass, DataAction.Download, cancellationToken))
        {
            return Problem(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, deidentified
                ? "The stage permission matrix does not allow you this download now."
                : "The identified original stays with the institution.");
        }

        var (key, sha) = deidentified ? (file.DeidentifiedBlobKey!, file.DeidentifiedSha256!) : (file.BlobKey, file.Sha256);
        var target = deidentified ? "scan-file-deidentified" : "scan-file";
        byte[] bytes;
        try
        {
            bytes = await blobs.GetAsync(key, sha, cancellationToken);
        }
        catch (BlobIntegrityException ex)
        {
            // The store has raised the integrity alert; audit the refused download and return nothing.
            await audit.RecordAsync(new AuditEvent(AuditAction.DataDownloaded, AuditOutcome.Failed)
            {
                TargetType = target,
                TargetId = file.Id.ToString(),
                OrderId = order.Id,
                Details = new Dictionary<string, object?> { ["integrity"] = ex.Message },
            }, cancellationToken);
            return Problem(StatusCodes.Status500InternalServerError, ProblemTypes.Internal, "The stored file failed its integrity check; nothing was returned and an alert was raised.");
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataDownloaded) { TargetType = target, TargetId = file.Id.ToString(), OrderId = order.Id }, cancellationToken);
        var (mediaType, extension) = deidentified
            ? file.Format is ScanFormat.Jpeg ? ("image/jpeg", "jpg") : file.Format is ScanFormat.Png ? ("image/png", "png") : ("model/stl", "stl")
            : (ScanFormats.MediaType(file.Format), file.Format.ToString().ToLowerInvariant() switch { "jpeg" => "jpg", var e => e });
        // A server-chosen name: the uploader's name may hold the patient's and is not sent out.
        return TypedResults.File(bytes, mediaType, string.Create(CultureInfo.InvariantCulture, $"{order.Number}-{file.Id:N}{(deidentified ? "-deid" : "")}.{extension}"),
            entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{sha}\""), enableRangeProcessing: true);
    }

    private static string ReportJson(ScanContent content)
    {
        if (content.Mesh is { } mesh)
        {
            return mesh.Check().ToJson();
        }

        return JsonSerializer.Serialize(new Dictionary<string, int?> { ["width"] = content.Width, ["height"] = content.Height });
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static ProblemHttpResult Problem(int status, string type, string detail) => TypedResults.Problem(statusCode: status, type: type, detail: detail);
}
