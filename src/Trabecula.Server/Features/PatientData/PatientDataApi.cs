using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Dicom;
using Trabecula.Dicom.Series;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Permissions;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Hosting;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.PatientData;

public sealed record DatasetRequest([property: MaxLength(32)] string? Kind, [property: MaxLength(500)] string? Description);

public sealed record SeriesView(
    string SeriesInstanceUid, string? Modality, string? Manufacturer, string? Model, string? DeviceSerialNumber, string? Station,
    double? SliceThicknessMm, double? SpacingBetweenSlicesMm, double? MeasuredSpacingMm, double[]? PixelSpacingMm, int? Rows, int? Columns,
    int SliceCount, double? ZExtentMm, bool HasGaps, bool HasIrregularSpacing, string? AcquisitionDateTime, string? BodyPart, double? Kvp,
    IReadOnlyList<ProfileFlag>? Flags = null, IReadOnlyList<Guid>? InstanceIds = null);

public sealed record DatasetView(
    Guid Id, string Kind, string Description, DateTime CreatedAt, string CreatedBy, DateTime? ConfirmedAt, string? ConfirmedBy,
    int InstanceCount, long Bytes, IReadOnlyList<SeriesView> Series, int DeidentifiedCount = 0, int BurnedInCount = 0, IReadOnlyList<Guid>? Instances = null,
    AcquisitionView? Acquisition = null, IReadOnlyList<ScanFileView>? Scans = null, IReadOnlyList<ProfileFlag>? Flags = null);

public sealed record ArchiveEntryProblem(string Entry, string Detail);

public sealed record ArchiveResult(int Stored, int AlreadyStored, int Skipped, IReadOnlyList<ArchiveEntryProblem> Refused);

public sealed record InstanceView(Guid Id, string SopInstanceUid, string SeriesInstanceUid, string? Modality, long Length, string Sha256, bool AlreadyStored);

/// <summary>
/// Patient data intake (R-DATA-1..3): datasets on an order, DICOM instances posted one file per
/// request (`Content-Type: application/dicom`, as PACS-side scripts send them), series summaries
/// from the headers, the institution's confirmation, and download of the original. Every file is
/// parsed completely before anything is stored; a file that does not parse is answered 422 with
/// the byte offset and element path, and nothing is written.
/// </summary>
internal static class PatientDataApi
{
    public static void MapPatientDataApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/orders/{id:guid}/datasets").WithTags("Patient data").RequireAuthorization(Policies.Active);
        group.MapGet("/", ListAsync).WithName("ListDatasets").WithSummary("Datasets of the order with their series summaries (no patient identity).");
        group.MapPost("/", CreateAsync).WithName("CreateDataset").WithSummary("The institution opens a dataset: MedicalImaging, OpticalCapture or PhysicalModelScan.");

        // People and the institution's PACS gateway (a machine client with imaging.upload) post here alike.
        endpoints.MapPost("/api/orders/{id:guid}/datasets/{datasetId:guid}/instances", IngestAsync).WithTags("Patient data").WithName("StoreInstance")
            .WithSummary("One DICOM file per request, Content-Type application/dicom: parsed, validated, hashed, encrypted, stored, indexed, audited. Bearer tokens need imaging.upload.")
            .Accepts<Stream>("application/dicom")
            .RequireAuthorization(Policies.ImagingUpload);
        group.MapPost("/{datasetId:guid}/archives", IngestArchiveAsync).WithName("StoreArchive")
            .WithSummary("A zip of DICOM files (a PACS export, a CD's folder): every entry stored as if posted alone; files that are not DICOM are skipped, bad ones listed.")
            .Accepts<Stream>("application/zip");
        group.MapGet("/{datasetId:guid}/instances/{instanceId:guid}", DownloadAsync).WithName("DownloadInstance")
            .WithSummary("The identified original, for those the matrix allows (the institution).");
        group.MapGet("/{datasetId:guid}/instances/{instanceId:guid}/deidentified", DownloadDeidentifiedAsync).WithName("DownloadDeidentifiedInstance")
            .WithSummary("The de-identified derivative made at confirmation (PS3.15 basic profile, the case pseudonym), for those the matrix allows (the designer).");
        group.MapGet("/{datasetId:guid}/instances/{instanceId:guid}/render", RenderAsync).WithName("RenderInstance")
            .WithSummary("The slice as PNG (preset=bone|soft|auto, size up to 1024), rendered on the server for uncompressed and RLE data; 422 says plainly when there is no decoder.");
        group.MapPost("/{datasetId:guid}/confirm", ConfirmAsync).WithName("ConfirmDataset")
            .WithSummary("The institution confirms the dataset (R-DATA-3): the precondition of DataConfirmed.");
    }

    internal static async Task<Results<Ok<List<DatasetView>>, NotFound>> ListAsync(
        Guid id, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, IOptions<PatientDataOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        var datasets = await db.PatientDatasets.AsNoTracking().Where(d => d.OrderId == id).OrderBy(d => d.CreatedAt).ToListAsync(cancellationToken);
        var instances = await db.DicomInstances.AsNoTracking().Where(i => i.OrderId == id).OrderBy(i => i.ReceivedAt)
            .Select(i => new { i.Id, i.DatasetId, i.SeriesInstanceUid, i.Length, i.Header, Deidentified = i.DeidentifiedBlobKey != null, i.BurnedInAnnotation })
            .ToListAsync(cancellationToken);
        var scans = await db.ScanFiles.AsNoTracking().Where(f => f.OrderId == id).OrderBy(f => f.ReceivedAt).ToListAsync(cancellationToken);
        var institution = order.InstitutionId == Guid.Parse(user.FindFirstValue(Infrastructure.Security.TrabeculaClaimTypes.OrganizationId) ?? Guid.Empty.ToString());
        var views = datasets.Select(d =>
        {
            var mine = instances.Where(i => i.DatasetId == d.Id).ToList();
            var myScans = scans.Where(f => f.DatasetId == d.Id).ToList();
            var profile = options.Value.Profiles.GetValueOrDefault(order.DeviceCategory);
            var now = time.GetUtcNow().UtcDateTime;
            var series = mine.GroupBy(i => i.SeriesInstanceUid, StringComparer.Ordinal)
                .Select(g => Summarize(g.Select(i => (i.Id, i.Header))))
                .Select(v => d.Kind == DatasetKind.MedicalImaging ? v with { Flags = AcquisitionProfiles.Check(v, profile, now) } : v)
                .ToList();
            var handEntered = d.Kind == DatasetKind.MedicalImaging ? null : ScanFilesApi.Acquisition(d);
            return new DatasetView(d.Id, d.Kind.ToString(), d.Description, d.CreatedAt, d.CreatedByName, d.ConfirmedAt, d.ConfirmedByName,
                mine.Count + myScans.Count, mine.Sum(i => i.Length) + myScans.Sum(f => f.Length), series,
                mine.Count(i => i.Deidentified) + myScans.Count(f => f.DeidentifiedBlobKey != null), mine.Count(i => i.BurnedInAnnotation), [.. mine.Select(i => i.Id)],
                handEntered, [.. myScans.Select(f => ScanFilesApi.View(f, showName: institution))],
                handEntered is null ? null : AcquisitionProfiles.CheckHandEntered(handEntered, profile, now));
        }).ToList();
        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "datasets", TargetId = order.Number, OrderId = order.Id }, cancellationToken);
        return TypedResults.Ok(views);
    }

    internal static async Task<Results<Created<DatasetView>, NotFound, ValidationProblem, ProblemHttpResult>> CreateAsync(
        Guid id, DatasetRequest request, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (!Enum.TryParse<DatasetKind>(request.Kind, out var kind) || !Enum.IsDefined(kind))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["kind"] = [$"One of {string.Join(", ", Enum.GetNames<DatasetKind>())}."] }, type: ProblemTypes.Validation);
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.IdentifiedPatientData, DataAction.Upload, cancellationToken))
        {
            return Forbidden("Uploading patient data is the institution's, before the design is approved.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var dataset = new PatientDataset
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OrderId = order.Id,
            Kind = kind,
            Description = request.Description?.Trim() ?? "",
            CreatedAt = now,
            CreatedBy = ActorId(user),
            CreatedByName = user.Identity?.Name ?? "",
        };
        db.PatientDatasets.Add(dataset);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataCreated) { TargetType = "dataset", TargetId = dataset.Id.ToString(), OrderId = order.Id }, cancellationToken);
        return TypedResults.Created($"/api/orders/{id}/datasets", new DatasetView(dataset.Id, kind.ToString(), dataset.Description, now, dataset.CreatedByName, null, null, 0, 0, []));
    }

    internal static async Task<Results<Created<InstanceView>, Ok<InstanceView>, NotFound, ProblemHttpResult>> IngestAsync(
        Guid id, Guid datasetId, HttpRequest request, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var target = await FindIngestTargetAsync(db, id, datasetId, user, time);
        if (target is null)
        {
            return TypedResults.NotFound();
        }

        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), "application/dicom", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, type: ProblemTypes.UnsupportedMediaType,
                detail: "Send one DICOM file per request with Content-Type: application/dicom.");
        }

        // The whole body (bounded by Server:MaxRequestBodyBytes, 413 beyond) is parsed before anything is kept.
        using var body = await PooledRequestBody.ReadAsync(request, cancellationToken);
        return await StoreAsync(target.Order, target.Dataset, body.Bytes, user, db, policy, blobs, audit, time, cancellationToken,
            new AccessFacts(target.OrganizationPartyTypes, target.EmergencyGrantId));
    }

    /// <summary>At most this many entries and this many inflated bytes per archive: a zip bomb costs a bounded amount.</summary>
    private const int MaxArchiveEntries = 10_000;
    private const long MaxArchiveBytes = 4L << 30;
    private const long MaxEntryBytes = 256L << 20;

    internal static async Task<Results<Ok<ArchiveResult>, NotFound, ProblemHttpResult>> IngestArchiveAsync(
        Guid id, Guid datasetId, HttpRequest request, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var (order, dataset) = await FindDatasetAsync(db, id, datasetId, user, time, cancellationToken);
        if (order is null || dataset is null)
        {
            return TypedResults.NotFound();
        }

        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), "application/zip", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, type: ProblemTypes.UnsupportedMediaType, detail: "Send a zip archive with Content-Type: application/zip.");
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        body.Position = 0;
        return await IngestZipAsync(order, dataset, body, user, db, policy, blobs, audit, time, cancellationToken);
    }

    /// <summary>Every DICOM entry of a zip (seekable stream) stored as if posted alone: the archives endpoint's and a finished upload's ingest.</summary>
    internal static async Task<Results<Ok<ArchiveResult>, NotFound, ProblemHttpResult>> IngestZipAsync(
        Order order, PatientDataset dataset, Stream body, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        System.IO.Compression.ZipArchive zip;
        try
        {
            zip = new System.IO.Compression.ZipArchive(body, System.IO.Compression.ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, type: ProblemTypes.UnprocessableContent, detail: "Not a zip archive: " + ex.Message);
        }

        using (zip)
        {
            var files = zip.Entries.Where(e => !e.FullName.EndsWith('/')).ToList();
            if (files.Count > MaxArchiveEntries || files.Sum(e => e.Length) > MaxArchiveBytes)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, type: ProblemTypes.PayloadTooLarge,
                    detail: $"An archive holds at most {MaxArchiveEntries} files and {MaxArchiveBytes >> 30} GiB once inflated.");
            }

            int stored = 0, already = 0, skipped = 0;
            var refused = new List<ArchiveEntryProblem>();
            foreach (var entry in files)
            {
                // The declared size is the attacker's; the copy below stops at the limit whatever it says.
                if (entry.Length > MaxEntryBytes)
                {
                    refused.Add(new ArchiveEntryProblem(entry.FullName, "larger than 256 MiB"));
                    continue;
                }

                using var content = new MemoryStream();
                await using (var stream = entry.Open())
                {
                    var buffer = new byte[81920];
                    int read;
                    while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                    {
                        if (content.Length + read > MaxEntryBytes)
                        {
                            break;
                        }

                        content.Write(buffer, 0, read);
                    }
                }

                var bytes = content.GetBuffer().AsMemory(0, (int)content.Length);
                if (!Trabecula.Dicom.DicomFileSniffer.IsPart10(bytes.Span))
                {
                    skipped++; // DICOMDIR viewers, autorun files, README: not patient images
                    continue;
                }

                switch ((await StoreAsync(order, dataset, bytes, user, db, policy, blobs, audit, time, cancellationToken)).Result)
                {
                    case Created<InstanceView>:
                        stored++;
                        break;
                    case Ok<InstanceView>:
                        already++;
                        break;
                    case ProblemHttpResult problem when problem.StatusCode is StatusCodes.Status403Forbidden or StatusCodes.Status409Conflict:
                        return problem;
                    case ProblemHttpResult problem:
                        refused.Add(new ArchiveEntryProblem(entry.FullName, problem.ProblemDetails.Detail ?? "refused"));
                        break;
                    default:
                        refused.Add(new ArchiveEntryProblem(entry.FullName, "refused"));
                        break;
                }
            }

            return TypedResults.Ok(new ArchiveResult(stored, already, skipped, refused));
        }
    }

    /// <summary>
    /// Files larger than this are never held whole in memory: a finished upload is parsed up to its
    /// pixel data and streamed into its blob, and a download streams (with ranges). Smaller ones are
    /// parsed completely, and a download is verified before its first byte is sent.
    /// </summary>
    internal const long StreamAboveBytes = 64L << 20;

    /// <summary>Parses, checks, stores and indexes one file: the API's and the order page's upload.</summary>
    internal static async Task<Results<Created<InstanceView>, Ok<InstanceView>, NotFound, ProblemHttpResult>> StoreAsync(
        Order order, PatientDataset dataset, ReadOnlyMemory<byte> bytes, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs,
        IAuditLog audit, TimeProvider time, CancellationToken cancellationToken, AccessFacts? facts = null)
    {
        AuditEvent? allowed = null;
        if (facts is { } known)
        {
            (var refusedNow, allowed) = await RefuseAsync(order, dataset, user, policy, audit, known, cancellationToken);
            if (refusedNow is not null)
            {
                return refusedNow;
            }
        }
        else if (await RefuseAsync(order, dataset, user, policy, cancellationToken) is { } refused)
        {
            return refused;
        }

        // Pixel data goes into pooled arrays, given back when the file is indexed (the data set is read until then).
        using var largeValues = new PooledDicomValues();
        var parsed = Parse(Wrap(bytes), options: null, largeValues.Rent);
        if (parsed is not ({ } file, { } header, _))
        {
            await RecordAloneAsync(audit, allowed, cancellationToken);
            return Unprocessable(parsed.Error!);
        }

        return await IndexAsync(order, dataset, file, header, db, audit, time,
            token => blobs.PutAsync(bytes, new BlobPutOptions { Sensitivity = BlobSensitivity.SensitiveMedical, Category = nameof(DataClass.IdentifiedPatientData), OrderId = order.Id, SaveWith = db }, token),
            cancellationToken, allowed);
    }

    /// <summary>
    /// One large DICOM file already stored as a blob (a finished upload): its header is parsed from
    /// the stored bytes up to the pixel data, and the file is copied into its own blob as a stream
    /// (decrypted, hashed and encrypted again chunk by chunk), so memory stays at a few chunks.
    /// </summary>
    internal static async Task<Results<Created<InstanceView>, Ok<InstanceView>, NotFound, ProblemHttpResult>> StoreStoredAsync(
        Order order, PatientDataset dataset, StoredBlob source, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs,
        IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await RefuseAsync(order, dataset, user, policy, cancellationToken) is { } refused)
        {
            return refused;
        }

        (DicomFile? File, byte[]? Header, DicomFormatException? Error) parsed;
        await using (var head = new BlobSeekableStream(blobs, source.Key, source.Sha256, source.Length))
        {
            parsed = Parse(head, DicomReadOptions.HeaderOnly);
        }

        if (parsed is not ({ } file, { } header, _))
        {
            return Unprocessable(parsed.Error!);
        }

        return await IndexAsync(order, dataset, file, header, db, audit, time, async token =>
        {
            await using var content = await blobs.OpenReadAsync(source.Key, source.Sha256, 0, null, token);
            return await blobs.PutAsync(content, new BlobPutOptions { Sensitivity = BlobSensitivity.SensitiveMedical, Category = nameof(DataClass.IdentifiedPatientData), OrderId = order.Id, SaveWith = db }, token);
        }, cancellationToken);
    }

    private static async Task<ProblemHttpResult?> RefuseAsync(Order order, PatientDataset dataset, ClaimsPrincipal user, AccessPolicy policy, CancellationToken cancellationToken)
    {
        if (!await policy.AuthorizeAsync(user, order, DataClass.IdentifiedPatientData, DataAction.Upload, cancellationToken))
        {
            return Forbidden(UploadRefused);
        }

        return dataset.ConfirmedAt is not null ? Confirmed() : null;
    }

    /// <summary>
    /// The same decision from facts read with the order this request. A refusal is audited at once;
    /// an allowed decision comes back unrecorded, and the caller records it on every path: with
    /// the file's row in one transaction when the file is stored, on its own otherwise.
    /// </summary>
    private static async Task<(ProblemHttpResult? Refused, AuditEvent? Allowed)> RefuseAsync(
        Order order, PatientDataset dataset, ClaimsPrincipal user, AccessPolicy policy, IAuditLog audit, AccessFacts facts, CancellationToken cancellationToken)
    {
        var (decision, entry) = await policy.DecideUnrecordedAsync(user, order, facts, DataClass.IdentifiedPatientData, DataAction.Upload, cancellationToken);
        var refused = !decision.Allowed ? Forbidden(UploadRefused) : dataset.ConfirmedAt is not null ? Confirmed() : null;
        if (refused is not null)
        {
            await audit.RecordAsync(entry, cancellationToken);
            return (refused, null);
        }

        return (null, entry);
    }

    private const string UploadRefused = "Uploading patient data is the institution's, before the design is approved.";

    private static ProblemHttpResult Confirmed() =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: "The dataset is confirmed; open a new dataset for more data.");

    /// <summary>Records a decision that was left to the caller when no write carried it.</summary>
    private static async Task RecordAloneAsync(IAuditLog audit, AuditEvent? allowed, CancellationToken cancellationToken)
    {
        if (allowed is not null)
        {
            await audit.RecordAsync(allowed, cancellationToken);
        }
    }

    /// <summary>The parse, and the stored header: the same parse without its pixels (nothing downstream needs them).</summary>
    private static (DicomFile? File, byte[]? Header, DicomFormatException? Error) Parse(Stream content, DicomReadOptions? options, Func<int, byte[]>? largeValues = null)
    {
        try
        {
            var file = largeValues is null ? DicomFile.Read(content, options) : DicomFile.Read(content, options, largeValues);
            file.Dataset.Remove(DicomTag.PixelData);
            using var headerStream = new MemoryStream();
            DicomFileWriter.Write(file, headerStream);
            return (file, headerStream.ToArray(), null);
        }
        catch (DicomFormatException ex)
        {
            return (null, null, ex);
        }
    }

    private static ProblemHttpResult Unprocessable(DicomFormatException ex) =>
        TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, type: ProblemTypes.UnprocessableContent,
            detail: ex.Message, extensions: new Dictionary<string, object?> { ["offset"] = ex.Offset, ["path"] = ex.Path });

    /// <summary>Checks the UIDs, stores the bytes (once per SOP instance and dataset), indexes and audits.</summary>
    private static async Task<Results<Created<InstanceView>, Ok<InstanceView>, NotFound, ProblemHttpResult>> IndexAsync(
        Order order, PatientDataset dataset, DicomFile file, byte[] header, TrabeculaDbContext db, IAuditLog audit, TimeProvider time,
        Func<CancellationToken, Task<StoredBlob>> put, CancellationToken cancellationToken, AuditEvent? allowed = null)
    {
        var id = order.Id;
        var datasetId = dataset.Id;
        var sop = file.Dataset.GetString(Tags.SopInstanceUid)?.Trim();
        var series = file.Dataset.GetString(Tags.SeriesInstanceUid)?.Trim();
        var study = file.Dataset.GetString(Tags.StudyInstanceUid)?.Trim();
        if (!file.HadFileMetaInformation || string.IsNullOrEmpty(sop) || string.IsNullOrEmpty(series) || string.IsNullOrEmpty(study))
        {
            await RecordAloneAsync(audit, allowed, cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, type: ProblemTypes.UnprocessableContent,
                detail: "A PS3.10 file with SOP Instance, Series Instance and Study Instance UIDs is required.");
        }

        var existing = await FindStoredInstance(db, datasetId, sop);
        if (existing is not null)
        {
            await RecordAloneAsync(audit, allowed, cancellationToken);
            return TypedResults.Ok(new InstanceView(existing.Id, existing.SopInstanceUid, existing.SeriesInstanceUid, existing.Modality, existing.Length, existing.Sha256, AlreadyStored: true));
        }

        var stored = await put(cancellationToken);
        var instance = new DicomInstance
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            DatasetId = datasetId,
            OrderId = order.Id,
            StudyInstanceUid = study,
            SeriesInstanceUid = series,
            SopInstanceUid = sop,
            SopClassUid = file.Dataset.GetString(Tags.SopClassUid)?.Trim(),
            TransferSyntaxUid = file.TransferSyntax.Uid,
            Modality = file.Dataset.GetString(Tags.Modality)?.Trim(),
            BlobKey = stored.Key,
            Length = stored.Length,
            Sha256 = stored.Sha256,
            Header = Convert.ToBase64String(header),
            ReceivedAt = time.GetUtcNow().UtcDateTime,
        };
        db.DicomInstances.Add(instance);
        var uploaded = new AuditEvent(AuditAction.DataUploaded)
        {
            TargetType = "dicom-instance",
            TargetId = instance.Id.ToString(),
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["bytes"] = stored.Length, ["sha256"] = stored.Sha256 },
        };
        try
        {
            // The blob's row, the instance's row, the access decision and the upload's entry: one commit.
            await audit.SaveChangesAndRecordAsync(db, allowed is null ? [uploaded] : [allowed, uploaded], cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The same instance arrived twice at once: the other request stored it (ours rolled back; its sealed file is an orphan the sweeper removes).
            db.ChangeTracker.Clear();
            await RecordAloneAsync(audit, allowed, cancellationToken);
            var winner = await db.DicomInstances.AsNoTracking().SingleAsync(i => i.DatasetId == datasetId && i.SopInstanceUid == sop, cancellationToken);
            return TypedResults.Ok(new InstanceView(winner.Id, winner.SopInstanceUid, winner.SeriesInstanceUid, winner.Modality, winner.Length, winner.Sha256, AlreadyStored: true));
        }

        return TypedResults.Created($"/api/orders/{id}/datasets/{datasetId}/instances/{instance.Id}",
            new InstanceView(instance.Id, sop, series, instance.Modality, stored.Length, stored.Sha256, AlreadyStored: false));
    }

    internal static async Task<Results<FileContentHttpResult, FileStreamHttpResult, NotFound, ProblemHttpResult>> DownloadAsync(
        Guid id, Guid datasetId, Guid instanceId, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var (order, instance) = await FindInstanceAsync(db, id, datasetId, instanceId, user, time, cancellationToken);
        if (order is null || instance is null)
        {
            return TypedResults.NotFound();
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.IdentifiedPatientData, DataAction.Download, cancellationToken))
        {
            return Forbidden("The identified original stays with the institution.");
        }

        var fileName = $"{order.Number}-{instance.Id:N}.dcm";
        var entityTag = new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{instance.Sha256}\"");
        if (instance.Length > StreamAboveBytes)
        {
            // Too big to verify whole before the first byte: every chunk is authenticated before it is
            // sent, and a failure aborts the response (the store raises the alert), so no bad byte leaves.
            await audit.RecordAsync(new AuditEvent(AuditAction.DataDownloaded) { TargetType = "dicom-instance", TargetId = instance.Id.ToString(), OrderId = order.Id }, cancellationToken);
            return TypedResults.Stream(new BlobSeekableStream(blobs, instance.BlobKey, instance.Sha256, instance.Length), "application/dicom", fileName,
                entityTag: entityTag, enableRangeProcessing: true);
        }

        byte[] bytes;
        try
        {
            bytes = await blobs.GetAsync(instance.BlobKey, instance.Sha256, cancellationToken);
        }
        catch (BlobIntegrityException ex)
        {
            // Never hand out bytes that fail authentication or their hash: the store has raised the alert; audit, refuse.
            await audit.RecordAsync(new AuditEvent(AuditAction.DataDownloaded, AuditOutcome.Failed)
            {
                TargetType = "dicom-instance",
                TargetId = instance.Id.ToString(),
                OrderId = order.Id,
                Details = new Dictionary<string, object?> { ["integrity"] = ex.Message },
            }, cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError, type: ProblemTypes.Internal,
                detail: "The stored file failed its integrity check; nothing was returned and an alert was raised.");
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataDownloaded) { TargetType = "dicom-instance", TargetId = instance.Id.ToString(), OrderId = order.Id }, cancellationToken);
        // The content hash is a strong validator: ranges (resuming a download) and conditional requests work on it.
        return TypedResults.File(bytes, "application/dicom", fileName, entityTag: entityTag, enableRangeProcessing: true);
    }

    internal static async Task<Results<Ok<DatasetView>, NotFound, ProblemHttpResult>> ConfirmAsync(
        Guid id, Guid datasetId, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, DerivativeMaker derivatives, IBlobStore blobs, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var (order, dataset) = await FindDatasetAsync(db, id, datasetId, user, time, cancellationToken, tracking: true);
        if (order is null || dataset is null)
        {
            return TypedResults.NotFound();
        }

        var organization = Guid.Parse(user.FindFirstValue(Infrastructure.Security.TrabeculaClaimTypes.OrganizationId)!);
        if (order.InstitutionId != organization || !user.IsInRole(Roles.Physician))
        {
            return Forbidden("A physician of the institution confirms its patient data.");
        }

        if (dataset.ConfirmedAt is not null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: "Already confirmed.");
        }

        var instances = await db.DicomInstances.AsNoTracking().Where(i => i.DatasetId == datasetId).Select(i => new { i.Id, i.SeriesInstanceUid, i.Length, i.Header }).ToListAsync(cancellationToken);
        var scanCount = await db.ScanFiles.CountAsync(f => f.DatasetId == datasetId, cancellationToken);
        if (instances.Count == 0 && scanCount == 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: "An empty dataset cannot be confirmed.");
        }

        // Confirmation produces what the designer may have: the de-identified derivative (R-DATA-3, R-DATA-6).
        var made = await derivatives.MakeAsync(order, datasetId, cancellationToken);
        var scansMade = await ScanFilesApi.MakeDerivativesAsync(db, blobs, order, datasetId, cancellationToken);
        dataset.ConfirmedAt = time.GetUtcNow().UtcDateTime;
        dataset.ConfirmedBy = ActorId(user);
        dataset.ConfirmedByName = user.Identity?.Name;
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataUpdated)
        {
            TargetType = "dataset-confirmation",
            TargetId = dataset.Id.ToString(),
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["instances"] = instances.Count, ["scans"] = scanCount, ["deidentified"] = made.Deidentified + scansMade, ["burnedIn"] = made.BurnedIn },
        }, cancellationToken);
        var series = instances.GroupBy(i => i.SeriesInstanceUid, StringComparer.Ordinal).Select(g => Summarize(g.Select(i => (i.Id, i.Header)))).ToList();
        return TypedResults.Ok(new DatasetView(dataset.Id, dataset.Kind.ToString(), dataset.Description, dataset.CreatedAt, dataset.CreatedByName,
            dataset.ConfirmedAt, dataset.ConfirmedByName, instances.Count + scanCount, instances.Sum(i => i.Length), series, made.Deidentified + scansMade, made.BurnedIn));
    }

    internal static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> DownloadDeidentifiedAsync(
        Guid id, Guid datasetId, Guid instanceId, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs, IAuditLog audit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var (order, instance) = await FindInstanceAsync(db, id, datasetId, instanceId, user, time, cancellationToken);
        if (order is null || instance?.DeidentifiedBlobKey is null)
        {
            return TypedResults.NotFound();
        }

        if (!await policy.AuthorizeAsync(user, order, DataClass.DeidentifiedPatientData, DataAction.Download, cancellationToken))
        {
            return Forbidden("The stage permission matrix does not allow you this download now.");
        }

        var bytes = await blobs.GetAsync(instance.DeidentifiedBlobKey, instance.DeidentifiedSha256!, cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataDownloaded) { TargetType = "dicom-instance-deidentified", TargetId = instance.Id.ToString(), OrderId = order.Id }, cancellationToken);
        return TypedResults.File(bytes, "application/dicom", $"{order.Number}-{instance.Id:N}-deid.dcm",
            entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{instance.DeidentifiedSha256}\""), enableRangeProcessing: true);
    }

    /// <summary>A series summary from the stored headers (no pixel data needed), with the instances in slice order.</summary>
    private static SeriesView Summarize(IEnumerable<(Guid Id, string Header)> headers)
    {
        var slices = headers.Select(h => (h.Id, Dataset: DicomFile.Read(new MemoryStream(Convert.FromBase64String(h.Header), writable: false)).Dataset)).ToList();
        var ordered = slices
            .OrderBy(x => x.Dataset.TryGetDouble(ImagePositionPatient, 2, out var z) ? z : double.MaxValue)
            .ThenBy(x => x.Dataset.TryGetDouble(InstanceNumber, 0, out var n) ? n : double.MaxValue)
            .Select(x => x.Id).ToList();
        var s = DicomSeriesSummary.Build(slices.Select(x => x.Dataset));
        return new SeriesView(s.SeriesInstanceUid ?? "", s.ModalityName, s.ManufacturerName, s.Model, s.SerialNumber, s.Station,
            s.SliceThicknessMm, s.DeclaredSpacingMm, s.MeasuredSpacingMm, s.PixelSpacingMm is { } p ? [p.Row, p.Column] : null, s.RowCount, s.ColumnCount,
            s.SliceCount, s.ZExtentMm, s.HasGaps, s.HasIrregularSpacing, s.AcquisitionDateTime, s.BodyPart, s.KvpValue, InstanceIds: ordered);
    }

    private static readonly DicomTag ImagePositionPatient = new(0x0020, 0x0032);
    private static readonly DicomTag InstanceNumber = new(0x0020, 0x0013);

    /// <summary>
    /// A slice as PNG with a window preset, rendered on the server: from the original for those who
    /// may view identified data, otherwise from the de-identified derivative if the matrix allows.
    /// </summary>
    internal static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> RenderAsync(
        Guid id, Guid datasetId, Guid instanceId, string? preset, int? size, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, IBlobStore blobs,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var (order, instance) = await FindInstanceAsync(db, id, datasetId, instanceId, user, time, cancellationToken);
        if (order is null || instance is null)
        {
            return TypedResults.NotFound();
        }

        string key;
        string sha;
        if (await policy.AuthorizeAsync(user, order, DataClass.IdentifiedPatientData, DataAction.View, cancellationToken))
        {
            (key, sha) = (instance.BlobKey, instance.Sha256);
        }
        else if (instance.DeidentifiedBlobKey is not null && await policy.AuthorizeAsync(user, order, DataClass.DeidentifiedPatientData, DataAction.View, cancellationToken))
        {
            (key, sha) = (instance.DeidentifiedBlobKey, instance.DeidentifiedSha256!);
        }
        else
        {
            return Forbidden("The stage permission matrix does not let you view this image now.");
        }

        var file = DicomFile.Read(new MemoryStream(await blobs.GetAsync(key, sha, cancellationToken), writable: false));
        if (!Trabecula.Dicom.Imaging.DicomFrameRenderer.CanRender(file, out var reason))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, type: ProblemTypes.UnprocessableContent, detail: "No preview: " + reason + ".");
        }

        var window = preset switch
        {
            "bone" => Trabecula.Dicom.Imaging.DicomWindow.Bone,
            "soft" => Trabecula.Dicom.Imaging.DicomWindow.SoftTissue,
            _ => Trabecula.Dicom.Imaging.DicomFrameRenderer.DefaultWindow(file.Dataset) ?? Trabecula.Dicom.Imaging.DicomWindow.SoftTissue,
        };
        var png = Trabecula.Dicom.Imaging.DicomFrameRenderer.Render(file, window, Math.Clamp(size ?? 512, 32, 1024)).ToPng();
        return TypedResults.File(png, "image/png");
    }

    /// <summary>The dataset of an order the caller may see (both null: answer 404).</summary>
    internal static async Task<(Order? Order, PatientDataset? Dataset)> FindDatasetAsync(
        TrabeculaDbContext db, Guid id, Guid datasetId, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken, bool tracking = false)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        var datasets = tracking ? db.PatientDatasets : db.PatientDatasets.AsNoTracking();
        var dataset = order is null ? null : await datasets.SingleOrDefaultAsync(d => d.Id == datasetId && d.OrderId == id, cancellationToken);
        return dataset is null ? (null, null) : (order, dataset);
    }

    /// <summary>The order the caller may see, the dataset on it and the access decision's facts: one compiled query (<see cref="IngestQueries.FindTargetAsync"/>).</summary>
    private static Task<IngestTarget?> FindIngestTargetAsync(TrabeculaDbContext db, Guid id, Guid datasetId, ClaimsPrincipal user, TimeProvider time)
    {
        var org = Guid.TryParse(user.FindFirstValue(Infrastructure.Security.TrabeculaClaimTypes.OrganizationId), out var o1) ? o1 : Guid.Empty;
        var me = Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var m1) ? m1 : Guid.Empty;
        return IngestQueries.FindTargetAsync(db, id, datasetId, org, me, time.GetUtcNow().UtcDateTime);
    }

    private static Task<DicomInstance?> FindStoredInstance(TrabeculaDbContext db, Guid datasetId, string sop) =>
        IngestQueries.FindStoredAsync(db, datasetId, sop);

    /// <summary>A stored instance of an order the caller may see (both null: answer 404).</summary>
    private static async Task<(Order? Order, DicomInstance? Instance)> FindInstanceAsync(
        TrabeculaDbContext db, Guid id, Guid datasetId, Guid instanceId, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        var instance = order is null ? null
            : await db.DicomInstances.AsNoTracking().SingleOrDefaultAsync(i => i.Id == instanceId && i.DatasetId == datasetId && i.OrderId == id, cancellationToken);
        return instance is null ? (null, null) : (order, instance);
    }

    /// <summary>A read-only stream over the bytes without copying them.</summary>
    private static MemoryStream Wrap(ReadOnlyMemory<byte> bytes) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);

    private static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden, detail: detail);

    private static Guid ActorId(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);

    private static class Tags
    {
        public static readonly DicomTag SopClassUid = new(0x0008, 0x0016);
        public static readonly DicomTag SopInstanceUid = new(0x0008, 0x0018);
        public static readonly DicomTag Modality = new(0x0008, 0x0060);
        public static readonly DicomTag StudyInstanceUid = new(0x0020, 0x000D);
        public static readonly DicomTag SeriesInstanceUid = new(0x0020, 0x000E);
    }
}

internal static class PatientDataExtensions
{
    public static IHostApplicationBuilder AddPatientData(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<DerivativeMaker>();
        builder.Services.AddValidatedOptions<PatientDataOptions, PatientDataOptionsValidator>(PatientDataOptions.SectionName);
        builder.Services.AddTransitionGuard<PatientDataConfirmedGuard>();
        PatientDataDownloads.Register(builder.Services);
        return builder;
    }

    public static WebApplication MapPatientData(this WebApplication app)
    {
        app.MapPatientDataApi();
        app.MapScanFilesApi();
        app.MapUploadIngest();
        return app;
    }
}
