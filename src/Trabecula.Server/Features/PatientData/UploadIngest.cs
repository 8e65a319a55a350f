using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Permissions;
using Trabecula.Server.Features.Uploads;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.PatientData;

/// <summary>
/// A finished tus upload into a dataset: a DICOM file is stored as POST .../instances stores it, a
/// zip as POST .../archives does (the same code, <see cref="PatientDataApi.StoreAsync"/> and
/// <see cref="PatientDataApi.IngestZipAsync"/>; a DICOM file above <see cref="PatientDataApi.StreamAboveBytes"/> by
/// <see cref="PatientDataApi.StoreStoredAsync"/>, as a stream). The type is decided by content, not by name.
/// </summary>
internal static class UploadIngest
{
    public static void MapUploadIngest(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/orders/{id:guid}/datasets/{datasetId:guid}/uploads/{uploadId:guid}", IngestUploadAsync)
            .WithTags("Patient data").RequireAuthorization(Policies.Active).WithName("IngestUpload")
            .WithSummary("Ingest a finished tus upload (/api/uploads) of yours: a DICOM file as POST instances does, a zip archive as POST archives does; the upload is consumed.");
        endpoints.MapPost("/api/orders/{id:guid}/datasets/{datasetId:guid}/files/uploads/{uploadId:guid}", IngestScanUploadAsync)
            .WithTags("Patient data").RequireAuthorization(Policies.Active).WithName("IngestScanUpload")
            .WithSummary("Ingest a finished tus upload of yours into an optical capture or model scan dataset, as POST files does (the name from its Upload-Metadata 'filename'); the upload is consumed.");
    }

    /// <summary>A scan (STL/PLY/OBJ/photo) that came through tus: read whole, as POST files reads it, so bounded by the same size.</summary>
    internal static async Task<Results<Created<ScanFileView>, Ok<ScanFileView>, NotFound, ProblemHttpResult>> IngestScanUploadAsync(
        Guid id, Guid datasetId, Guid uploadId, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit, UploadService uploads,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var (order, dataset) = await PatientDataApi.FindDatasetAsync(db, id, datasetId, user, time, cancellationToken);
        var upload = order is null ? null : await uploads.FindCompletedAsync(uploadId, UploadsApi.OwnerId(user), cancellationToken);
        if (order is null || dataset is null || upload is null)
        {
            return TypedResults.NotFound();
        }

        if (upload.Length > ScanFilesApi.MaxScanBytes)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, type: ProblemTypes.PayloadTooLarge, detail: $"One scan is at most {ScanFilesApi.MaxScanBytes >> 20} MiB.");
        }

        var bytes = await blobs.GetAsync(upload.BlobKey, upload.Sha256, cancellationToken);
        var result = await ScanFilesApi.StoreBytesAsync(order, dataset, bytes, UploadsApi.MetadataValue(upload.Metadata, "filename"), user, db, policy, blobs, audit, time, cancellationToken);
        if (result.Result is Created<ScanFileView> or Ok<ScanFileView> && await uploads.MarkConsumedAsync(upload.Id, $"dataset:{dataset.Id}", cancellationToken))
        {
            await blobs.DeleteAsync(upload.BlobKey, cancellationToken);
        }

        return result;
    }

    internal static async Task<Results<Ok<ArchiveResult>, Created<InstanceView>, Ok<InstanceView>, NotFound, ProblemHttpResult>> IngestUploadAsync(
        Guid id, Guid datasetId, Guid uploadId, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit, UploadService uploads,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var (order, dataset) = await PatientDataApi.FindDatasetAsync(db, id, datasetId, user, time, cancellationToken);
        var upload = order is null ? null : await uploads.FindCompletedAsync(uploadId, UploadsApi.OwnerId(user), cancellationToken);
        if (order is null || dataset is null || upload is null)
        {
            return TypedResults.NotFound();
        }

        var result = await IngestAsync(order, dataset, new StoredBlob(upload.BlobKey, upload.Length, upload.Sha256), user, db, policy, blobs, audit, time, cancellationToken);

        // Consumed only once ingested: a refused file can be fixed and the same upload tried again until it expires.
        if (result.Result is Ok<ArchiveResult> or Created<InstanceView> or Ok<InstanceView> && await uploads.MarkConsumedAsync(upload.Id, $"dataset:{dataset.Id}", cancellationToken))
        {
            await blobs.DeleteAsync(upload.BlobKey, cancellationToken);
        }

        return result;
    }

    private static async Task<Results<Ok<ArchiveResult>, Created<InstanceView>, Ok<InstanceView>, NotFound, ProblemHttpResult>> IngestAsync(
        Orders.Order order, PatientDataset dataset, StoredBlob upload, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        // The type is decided by the first bytes; nothing reads the whole upload into memory
        // (a zip is read where its directory and entries are, a large DICOM file up to its pixels).
        var head = new byte[(int)Math.Min(upload.Length, Trabecula.Dicom.DicomFileSniffer.HeaderLength)];
        await using (var start = await blobs.OpenReadAsync(upload.Key, upload.Sha256, 0, head.Length, cancellationToken))
        {
            await start.ReadExactlyAsync(head, cancellationToken);
        }

        if (head.AsSpan().StartsWith("PK\x03\x04"u8))
        {
            await using var zip = new BlobSeekableStream(blobs, upload.Key, upload.Sha256, upload.Length);
            return (await PatientDataApi.IngestZipAsync(order, dataset, zip, user, db, policy, blobs, audit, time, cancellationToken)).Result switch
            {
                Ok<ArchiveResult> ok => ok,
                NotFound notFound => notFound,
                ProblemHttpResult problem => problem,
                _ => throw new InvalidOperationException("unexpected archive result"),
            };
        }

        if (Trabecula.Dicom.DicomFileSniffer.IsPart10(head))
        {
            var stored = upload.Length > PatientDataApi.StreamAboveBytes
                ? await PatientDataApi.StoreStoredAsync(order, dataset, upload, user, db, policy, blobs, audit, time, cancellationToken)
                : await PatientDataApi.StoreAsync(order, dataset, await blobs.GetAsync(upload.Key, upload.Sha256, cancellationToken), user, db, policy, blobs, audit, time, cancellationToken);
            return stored.Result switch
            {
                Created<InstanceView> created => created,
                Ok<InstanceView> ok => ok,
                NotFound notFound => notFound,
                ProblemHttpResult problem => problem,
                _ => throw new InvalidOperationException("unexpected instance result"),
            };
        }

        return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, type: ProblemTypes.UnsupportedMediaType,
            detail: "The upload is neither a DICOM file (PS3.10, 'DICM' at 128) nor a zip archive.");
    }
}
