using System.Buffers;
using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Hosting;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Uploads;

/// <summary>
/// Resumable uploads over tus 1.0 (https://tus.io/protocols/resumable-upload): core (HEAD,
/// PATCH, OPTIONS), creation (POST), termination (DELETE), checksum (Upload-Checksum with
/// sha256 or sha1, 460 on mismatch) and expiration (Upload-Expires). Size and quota are
/// answered from the headers, before any body is read: 413 over Uploads:MaxBytes, 507 over the
/// person's quota or the disk's free space. Each upload is its creator's alone (anyone else: 404).
/// </summary>
internal static class UploadsApi
{
    public const string TusVersion = "1.0.0";
    private const string Extensions = "creation,termination,checksum,expiration";
    private const string Algorithms = "sha256,sha1";
    private const int Status460ChecksumMismatch = 460;

    /// <summary>How much of a PATCH body is gathered before it is encrypted and written.</summary>
    private const int WriteBlock = 1 << 20;

    public static RouteGroupBuilder MapUploadsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/uploads").WithTags("Uploads").RequireAuthorization(Policies.Active);
        group.MapMethods("/", ["OPTIONS"], Options).WithName("UploadOptions").WithSummary("tus discovery: version, extensions, maximum size, checksum algorithms.");
        group.MapPost("/", CreateAsync).WithName("CreateUpload").WithSummary("tus creation: Upload-Length (required) and Upload-Metadata; 201 with Location. 413 over the maximum, 507 over the quota or free space.");
        group.MapMethods("/{uploadId:guid}", ["HEAD"], HeadAsync).WithName("UploadOffset").WithSummary("tus: how many bytes the server has (Upload-Offset), to resume from.");
        group.MapPatch("/{uploadId:guid}", PatchAsync).WithName("AppendUpload")
            .WithSummary("tus: append bytes at Upload-Offset (Content-Type application/offset+octet-stream, optional Upload-Checksum). The last byte turns the upload into a stored blob.")
            .Accepts<Stream>("application/offset+octet-stream");
        group.MapDelete("/{uploadId:guid}", DeleteAsync).WithName("DeleteUpload").WithSummary("tus termination: the upload and its bytes are removed.");
        return group;
    }

    internal static NoContent Options(HttpContext context, IOptions<UploadOptions> options)
    {
        var headers = context.Response.Headers;
        headers["Tus-Resumable"] = TusVersion;
        headers["Tus-Version"] = TusVersion;
        headers["Tus-Extension"] = Extensions;
        headers["Tus-Max-Size"] = options.Value.MaxBytes.ToString(CultureInfo.InvariantCulture);
        headers["Tus-Checksum-Algorithm"] = Algorithms;
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Created, ProblemHttpResult>> CreateAsync(
        HttpContext context, ClaimsPrincipal user, TrabeculaDbContext db, UploadSpool spool, IOptions<UploadOptions> options, IAuditLog audit, TimeProvider time,
        CancellationToken cancellationToken)
    {
        context.Response.Headers["Tus-Resumable"] = TusVersion;
        if (Unsupported(context) is { } wrongVersion)
        {
            return wrongVersion;
        }

        var request = context.Request;
        if (!long.TryParse(request.Headers["Upload-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            return Problem(StatusCodes.Status400BadRequest, ProblemTypes.BadRequest, "Upload-Length (a non-negative integer) is required; deferred lengths are not supported.");
        }

        var limits = options.Value;
        if (length > limits.MaxBytes)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, $"An upload is at most {limits.MaxBytes} bytes (Tus-Max-Size).");
        }

        string? metadata = request.Headers["Upload-Metadata"];
        if (metadata is { Length: > 4096 } || (metadata is not null && !ValidMetadata(metadata)))
        {
            return Problem(StatusCodes.Status400BadRequest, ProblemTypes.BadRequest, "Upload-Metadata: comma-separated 'key base64value' pairs, at most 4096 characters.");
        }

        var owner = OwnerId(user);
        var now = time.GetUtcNow().UtcDateTime;
        var pending = await db.Uploads.Where(u => u.OwnerId == owner && u.ConsumedAt == null && u.ExpiresAt > now).SumAsync(u => (long?)u.Length, cancellationToken) ?? 0;
        if (pending + length > limits.QuotaBytesPerUser)
        {
            return Problem(StatusCodes.Status507InsufficientStorage, ProblemTypes.InsufficientStorage,
                $"Your uploads in progress would exceed your quota of {limits.QuotaBytesPerUser} bytes; finish or delete some first.");
        }

        // Twice the length: the encrypted spool, then the blob made from it.
        if (new DriveInfo(spool.Folder).AvailableFreeSpace < 2 * length + (16L << 20))
        {
            return Problem(StatusCodes.Status507InsufficientStorage, ProblemTypes.InsufficientStorage, "The server's disk has no room for this upload now.");
        }

        var upload = new Upload
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OwnerId = owner,
            Length = length,
            Metadata = metadata,
            CreatedAt = now,
            ExpiresAt = now.AddMinutes(limits.ExpiryMinutes),
        };
        await using (spool.Create(upload.Id))
        {
        }

        db.Uploads.Add(upload);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.UploadCreated) { TargetType = "upload", TargetId = upload.Id.ToString(), Details = new Dictionary<string, object?> { ["length"] = length } }, cancellationToken);
        context.Response.Headers["Upload-Expires"] = upload.ExpiresAt.ToString("R", CultureInfo.InvariantCulture);
        if (length == 0)
        {
            await CompleteAsync(upload, db, spool, context.RequestServices.GetRequiredService<IBlobStore>(), audit, time, cancellationToken);
        }

        return TypedResults.Created($"/api/uploads/{upload.Id}");
    }

    internal static async Task<Results<Ok, NotFound>> HeadAsync(Guid uploadId, HttpContext context, ClaimsPrincipal user, TrabeculaDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var upload = await FindAsync(db, uploadId, user, time, cancellationToken);
        var headers = context.Response.Headers;
        headers["Tus-Resumable"] = TusVersion;
        headers.CacheControl = "no-store";
        if (upload is null)
        {
            return TypedResults.NotFound();
        }

        headers["Upload-Offset"] = upload.Offset.ToString(CultureInfo.InvariantCulture);
        headers["Upload-Length"] = upload.Length.ToString(CultureInfo.InvariantCulture);
        headers["Upload-Expires"] = upload.ExpiresAt.ToString("R", CultureInfo.InvariantCulture);
        if (upload.Metadata is not null)
        {
            headers["Upload-Metadata"] = upload.Metadata;
        }

        return TypedResults.Ok();
    }

    internal static async Task<Results<NoContent, NotFound, ProblemHttpResult>> PatchAsync(
        Guid uploadId, HttpContext context, ClaimsPrincipal user, TrabeculaDbContext db, UploadSpool spool, IBlobStore blobs, IAuditLog audit, TimeProvider time,
        CancellationToken cancellationToken)
    {
        context.Response.Headers["Tus-Resumable"] = TusVersion;
        if (Unsupported(context) is { } wrongVersion)
        {
            return wrongVersion;
        }

        var request = context.Request;
        if (!string.Equals(request.ContentType, "application/offset+octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, "PATCH bodies are Content-Type: application/offset+octet-stream.");
        }

        var upload = await db.Uploads.SingleOrDefaultAsync(u => u.Id == uploadId && u.OwnerId == OwnerId(user), cancellationToken);
        if (upload is null || upload.ExpiresAt <= time.GetUtcNow().UtcDateTime)
        {
            return TypedResults.NotFound();
        }

        if (!long.TryParse(request.Headers["Upload-Offset"], NumberStyles.None, CultureInfo.InvariantCulture, out var offset) || offset != upload.Offset)
        {
            context.Response.Headers["Upload-Offset"] = upload.Offset.ToString(CultureInfo.InvariantCulture);
            return Problem(StatusCodes.Status409Conflict, ProblemTypes.Conflict, $"Upload-Offset must be {upload.Offset}, the bytes the server has (HEAD tells it).");
        }

        var remaining = upload.Length - upload.Offset;
        if (request.ContentLength > remaining)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, $"{remaining} bytes remain of this upload.");
        }

        IncrementalHash? checksum = null;
        byte[]? expected = null;
        if (request.Headers["Upload-Checksum"].ToString() is { Length: > 0 } header)
        {
            var parts = header.Split(' ', 2);
            checksum = parts[0] switch
            {
                "sha256" => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
                "sha1" => IncrementalHash.CreateHash(HashAlgorithmName.SHA1),
                _ => null,
            };
            try
            {
                expected = parts.Length == 2 ? Convert.FromBase64String(parts[1]) : null;
            }
            catch (FormatException)
            {
                expected = null;
            }

            if (checksum is null || expected is null)
            {
                checksum?.Dispose();
                return Problem(StatusCodes.Status400BadRequest, ProblemTypes.BadRequest, $"Upload-Checksum: one of {Algorithms}, a space, the Base64 digest.");
            }
        }

        // The body may be as large as what remains of the upload, not more (Kestrel's general limit is for ordinary requests).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = remaining;
        }

        var received = 0L;
        var failed = false;
        using (checksum)
        {
            using var cipher = spool.CipherFor(upload.Id);
            // Large blocks: one keystream batch, one hash update and one write per MiB rather than per
            // socket read (often a few KiB), which made syscalls and per-call crypto set-up the cost.
            var buffer = ArrayPool<byte>.Shared.Rent(WriteBlock);
            try
            {
                await using (var file = new FileStream(spool.PathOf(upload.Id), FileMode.Open, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
                {
                    file.SetLength(upload.Offset); // whatever a crashed PATCH left past the recorded offset
                    file.Position = upload.Offset;
                    var pending = 0;
                    var writing = false;
                    async Task AppendAsync(CancellationToken token)
                    {
                        writing = true;
                        checksum?.AppendData(buffer, 0, pending);
                        cipher.Transform(buffer.AsSpan(0, pending), upload.Offset + received);
                        await file.WriteAsync(buffer.AsMemory(0, pending), token);
                        received += pending;
                        pending = 0;
                        writing = false;
                    }

                    try
                    {
                        int read;
                        do
                        {
                            read = await request.Body.ReadAsync(buffer.AsMemory(pending, WriteBlock - pending), cancellationToken);
                            pending += read;
                            if (received + pending > remaining)
                            {
                                failed = true;
                                break;
                            }

                            if (pending == WriteBlock || (read == 0 && pending > 0))
                            {
                                await AppendAsync(cancellationToken);
                            }
                        }
                        while (read > 0);

                        if (failed)
                        {
                            file.SetLength(upload.Offset);
                            return Problem(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, $"{remaining} bytes remain of this upload.");
                        }

                        if (checksum is not null && !CryptographicOperations.FixedTimeEquals(checksum.GetHashAndReset(), expected))
                        {
                            file.SetLength(upload.Offset);
                            return Problem(Status460ChecksumMismatch, ProblemTypes.UnprocessableContent, "Upload-Checksum does not match the bytes received; they were discarded.");
                        }

                        file.Flush(flushToDisk: true);
                    }
                    catch (IOException ex) when (LocalBlobTarget.IsDiskFull(ex))
                    {
                        file.SetLength(upload.Offset);
                        return Problem(StatusCodes.Status507InsufficientStorage, ProblemTypes.InsufficientStorage, "The server's disk is full; nothing of this request was kept.");
                    }
                    catch (Exception ex) when (ex is IOException or OperationCanceledException or BadHttpRequestException && checksum is null)
                    {
                        // The connection dropped: keep what arrived (tus resumes from it), as far as it was written,
                        // including a block still being filled (unless the failure was the write of it).
                        if (!writing && pending > 0 && received + pending <= remaining)
                        {
                            await AppendAsync(CancellationToken.None);
                        }

                        await file.FlushAsync(CancellationToken.None);
                        file.Flush(flushToDisk: true);
                        upload.Offset += received;
                        await db.SaveChangesAsync(CancellationToken.None);
                        throw;
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer, clearArray: true); // a refused block is still plaintext
            }
        }

        if (upload.Offset + received == upload.Length)
        {
            // The last byte: the blob is made before the new offset is recorded, and both are
            // committed together, so a crash in between leaves the old offset (the client resends
            // the last piece) and never an upload that is full but has no blob.
            try
            {
                await CompleteAsync(upload, db, spool, blobs, audit, time, cancellationToken);
            }
            catch (BlobStorageFullException ex)
            {
                TruncateSpool(spool, upload);
                return Problem(StatusCodes.Status507InsufficientStorage, ProblemTypes.InsufficientStorage, ex.Message + " The last piece was discarded; send it again once there is room.");
            }
        }
        else
        {
            CrashPoints.Hit("upload-spooled");
            upload.Offset += received;
            await db.SaveChangesAsync(cancellationToken);
        }

        context.Response.Headers["Upload-Offset"] = upload.Offset.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["Upload-Expires"] = upload.ExpiresAt.ToString("R", CultureInfo.InvariantCulture);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<NoContent, NotFound>> DeleteAsync(
        Guid uploadId, HttpContext context, ClaimsPrincipal user, TrabeculaDbContext db, UploadSpool spool, IBlobStore blobs, IAuditLog audit, TimeProvider time,
        CancellationToken cancellationToken)
    {
        context.Response.Headers["Tus-Resumable"] = TusVersion;
        var upload = await db.Uploads.SingleOrDefaultAsync(u => u.Id == uploadId && u.OwnerId == OwnerId(user), cancellationToken);
        if (upload is null)
        {
            return TypedResults.NotFound();
        }

        db.Uploads.Remove(upload);
        await db.SaveChangesAsync(cancellationToken);
        File.Delete(spool.PathOf(upload.Id));
        if (upload.BlobKey is not null && upload.ConsumedAt is null)
        {
            await blobs.DeleteAsync(upload.BlobKey, cancellationToken); // finished, then refused or abandoned: its blob has no other owner
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.UploadDeleted) { TargetType = "upload", TargetId = upload.Id.ToString() }, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>The last byte is in: the spool, decrypted as it is read, becomes a blob; the spool goes.</summary>
    private static async Task CompleteAsync(Upload upload, TrabeculaDbContext db, UploadSpool spool, IBlobStore blobs, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        StoredBlob stored;
        await using (var plain = spool.OpenPlain(upload.Id))
        {
            // Not compressed: the ingest reads it where it needs to (a zip's directory, then each entry),
            // which a compressed blob could only do by inflating from its start every time.
            stored = await blobs.PutAsync(plain, new BlobPutOptions { Category = "Upload", Compression = BlobCompressionMode.None }, cancellationToken);
        }

        upload.Offset = upload.Length;
        upload.BlobKey = stored.Key;
        upload.Sha256 = stored.Sha256;
        upload.CompletedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        CrashPoints.Hit("upload-completed"); // the spool left behind is swept (UploadSweeper)
        File.Delete(spool.PathOf(upload.Id));
        await audit.RecordAsync(new AuditEvent(AuditAction.UploadCompleted)
        {
            TargetType = "upload",
            TargetId = upload.Id.ToString(),
            Details = new Dictionary<string, object?> { ["bytes"] = stored.Length, ["sha256"] = stored.Sha256 },
        }, cancellationToken);
    }

    /// <summary>Drops what a refused PATCH appended past the recorded offset.</summary>
    private static void TruncateSpool(UploadSpool spool, Upload upload)
    {
        using var file = new FileStream(spool.PathOf(upload.Id), FileMode.Open, FileAccess.Write, FileShare.None);
        file.SetLength(upload.Offset);
    }

    private static async Task<Upload?> FindAsync(TrabeculaDbContext db, Guid id, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var owner = OwnerId(user);
        return await db.Uploads.AsNoTracking().SingleOrDefaultAsync(u => u.Id == id && u.OwnerId == owner && u.ExpiresAt > now, cancellationToken);
    }

    private static ProblemHttpResult? Unsupported(HttpContext context) =>
        string.Equals(context.Request.Headers["Tus-Resumable"], TusVersion, StringComparison.Ordinal)
            ? null
            : Problem(StatusCodes.Status412PreconditionFailed, ProblemTypes.BadRequest, $"Send Tus-Resumable: {TusVersion}.");

    private static bool ValidMetadata(string metadata) =>
        metadata.Split(',').All(pair =>
        {
            var parts = pair.Trim().Split(' ');
            return parts.Length is 1 or 2 && parts[0].Length > 0 && (parts.Length == 1 || IsBase64(parts[1]));
        });

    private static bool IsBase64(string value) => Convert.TryFromBase64String(value, new byte[value.Length], out _);

    private static ProblemHttpResult Problem(int status, string type, string detail) => TypedResults.Problem(statusCode: status, type: type, detail: detail);

    internal static Guid OwnerId(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);

    /// <summary>The metadata value for <paramref name="key"/>, decoded, or null.</summary>
    public static string? MetadataValue(string? metadata, string key)
    {
        foreach (var pair in (metadata ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Trim().Split(' ');
            if (parts.Length == 2 && string.Equals(parts[0], key, StringComparison.Ordinal))
            {
                return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(parts[1]));
            }
        }

        return null;
    }
}

/// <summary>Removes uploads that expired unfinished or unconsumed, with their spool file or blob row's upload link.</summary>
internal sealed partial class UploadSweeper(
    IServiceScopeFactory scopes, IOptions<UploadOptions> options, IOptions<StorageOptions> storage, TimeProvider time, ILogger<UploadSweeper> logger) : BackgroundService
{
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var spool = scope.ServiceProvider.GetRequiredService<UploadSpool>();
        var now = time.GetUtcNow().UtcDateTime;
        var expired = await db.Uploads.Where(u => u.ExpiresAt <= now && u.ConsumedAt == null).ToListAsync(cancellationToken);
        var blobs = scope.ServiceProvider.GetRequiredService<IBlobStore>();
        foreach (var upload in expired)
        {
            File.Delete(spool.PathOf(upload.Id));
            if (upload.BlobKey is not null)
            {
                await blobs.DeleteAsync(upload.BlobKey, cancellationToken); // finished but never consumed
            }

            db.Uploads.Remove(upload);
        }

        await db.SaveChangesAsync(cancellationToken);
        if (expired.Count > 0)
        {
            LogSwept(logger, expired.Count);
        }

        await SweepSpoolAsync(db, spool, cancellationToken);
        return expired.Count;
    }

    /// <summary>
    /// Spool files a crash left behind: one created before its upload row was committed, or one
    /// of an upload that became a blob just before the process died (REL-01). Only files older
    /// than Storage:OrphanGraceSeconds go, so a request in progress is never touched.
    /// </summary>
    private async Task SweepSpoolAsync(TrabeculaDbContext db, UploadSpool spool, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(spool.Folder))
        {
            return;
        }

        var cutoff = time.GetUtcNow().UtcDateTime - TimeSpan.FromSeconds(storage.Value.OrphanGraceSeconds);
        var candidates = new List<(Guid Id, string Path)>();
        foreach (var path in Directory.EnumerateFiles(spool.Folder, "*.part"))
        {
            if (Guid.TryParseExact(Path.GetFileNameWithoutExtension(path), "N", out var id) && File.GetLastWriteTimeUtc(path) <= cutoff)
            {
                candidates.Add((id, path));
            }
        }

        var removed = 0;
        foreach (var batch in candidates.Chunk(500))
        {
            var ids = batch.Select(c => c.Id).ToList();
            var open = (await db.Uploads.AsNoTracking().Where(u => ids.Contains(u.Id) && u.BlobKey == null).Select(u => u.Id).ToListAsync(cancellationToken)).ToHashSet();
            foreach (var (id, path) in batch.Where(c => !open.Contains(c.Id)))
            {
                File.Delete(path);
                removed++;
            }
        }

        if (removed > 0)
        {
            LogSpoolSwept(logger, removed);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }

            await Task.Delay(TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds), time, stoppingToken);
        }
    }

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Removed {Count} expired upload(s)")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "Upload sweep failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Information, Message = "Removed {Count} orphaned upload spool file(s)")]
    private static partial void LogSpoolSwept(ILogger logger, int count);
}

internal static class UploadsExtensions
{
    public static IHostApplicationBuilder AddUploads(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<UploadOptions, UploadOptionsValidator>(UploadOptions.SectionName);
        builder.Services.AddSingleton<UploadSpool>();
        builder.Services.AddScoped<UploadService>();
        builder.Services.AddSingleton<UploadSweeper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<UploadSweeper>());
        return builder;
    }

    public static WebApplication MapUploads(this WebApplication app)
    {
        app.MapUploadsApi();
        return app;
    }
}
