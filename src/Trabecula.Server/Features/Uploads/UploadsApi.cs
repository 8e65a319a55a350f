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
        HttpContext context, ClaimsPrincipal user, TrabeculaDbContext db, SealedUploads sealing, UploadSessions sessions, UploadSpool spool, SealedBlobAdopter adopter,
        IOptions<UploadOptions> options, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
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

        // Once the length and a tag per chunk: the sealed part is the blob (on the local store it is linked, not copied).
        if (new DriveInfo(spool.Folder).AvailableFreeSpace < length + (length / BlobEnvelope.ChunkSize + 1) * BlobEnvelope.TagLength + (16L << 20))
        {
            return Problem(StatusCodes.Status507InsufficientStorage, ProblemTypes.InsufficientStorage, "The server's disk has no room for this upload now.");
        }

        adopter.EnsureWritable(); // residency (R-XFER-4) refuses now, not after the last byte

        var upload = new Upload
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OwnerId = owner,
            Length = length,
            Metadata = metadata,
            CreatedAt = now,
            ExpiresAt = now.AddMinutes(limits.ExpiryMinutes),
        };
        UploadSession? session = null;
        if (length > 0)
        {
            (session, _) = await sealing.StartGenerationAsync(upload, cancellationToken);
            CrashPoints.Hit("upload-keyed");
        }

        try
        {
            db.Uploads.Add(upload);
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            session?.Dispose();
            spool.DeleteAll(upload.Id);
            throw;
        }

        if (session is not null)
        {
            using var lease = await sessions.EnterAsync(upload.Id, TimeSpan.Zero, cancellationToken);
            lease?.Replace(session); // a new id: nobody else can hold its gate
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.UploadCreated) { TargetType = "upload", TargetId = upload.Id.ToString(), Details = new Dictionary<string, object?> { ["length"] = length } }, cancellationToken);
        context.Response.Headers["Upload-Expires"] = upload.ExpiresAt.ToString("R", CultureInfo.InvariantCulture);
        if (length == 0)
        {
            await CompleteEmptyAsync(upload, db, context.RequestServices.GetRequiredService<IBlobStore>(), audit, time, cancellationToken);
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
        Guid uploadId, HttpContext context, ClaimsPrincipal user, TrabeculaDbContext db, SealedUploads sealing, UploadSessions sessions, UploadSpool spool, SealedBlobAdopter adopter,
        IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
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

        // One request at a time per upload, and the row read under the gate, as the request before may have moved it.
        using var lease = await sessions.EnterAsync(uploadId, LockWait, cancellationToken);
        if (lease is null)
        {
            return Problem(StatusCodes.Status423Locked, ProblemTypes.Conflict, "Another request is still writing to this upload; send HEAD and try again.");
        }

        var upload = await db.Uploads.SingleOrDefaultAsync(u => u.Id == uploadId && u.OwnerId == OwnerId(user), cancellationToken);
        if (upload is null || upload.ExpiresAt <= time.GetUtcNow().UtcDateTime)
        {
            lease.Forget(); // no slot stays behind for an id that is not the caller's upload
            return TypedResults.NotFound();
        }

        if (!long.TryParse(request.Headers["Upload-Offset"], NumberStyles.None, CultureInfo.InvariantCulture, out var offset) || offset != upload.Offset)
        {
            context.Response.Headers["Upload-Offset"] = upload.Offset.ToString(CultureInfo.InvariantCulture);
            return Problem(StatusCodes.Status409Conflict, ProblemTypes.Conflict, $"Upload-Offset must be {upload.Offset}, the bytes the server has (HEAD tells it).");
        }

        if (upload.CompletedAt is not null)
        {
            context.Response.Headers["Upload-Offset"] = upload.Offset.ToString(CultureInfo.InvariantCulture);
            return request.ContentLength is null or 0
                ? TypedResults.NoContent()
                : Problem(StatusCodes.Status409Conflict, ProblemTypes.Conflict, "This upload is complete.");
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

        using (checksum)
        {
            try
            {
                var session = lease.Session;
                if (session is null || session.Generation != upload.KeyGeneration || !string.Equals(session.PartKey, upload.PartKey, StringComparison.Ordinal))
                {
                    session = await RekeyAsync(upload, db, sealing, spool, lease, cancellationToken);
                }

                var appended = await sealing.AppendAsync(upload, session, request.Body, checksum, cancellationToken);
                if (appended.Outcome == AppendOutcome.TooLong)
                {
                    Discard(upload, spool, lease);
                    return Problem(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, $"{remaining} bytes remain of this upload.");
                }

                if (checksum is not null && (appended.Outcome == AppendOutcome.Disconnected || !CryptographicOperations.FixedTimeEquals(checksum.GetHashAndReset(), expected)))
                {
                    // Unverified bytes are not kept: the client sends the piece again, and its chunks get a new key.
                    Discard(upload, spool, lease);
                    return Problem(Status460ChecksumMismatch, ProblemTypes.UnprocessableContent, "Upload-Checksum does not match the bytes received; they were discarded.");
                }

                if (appended.Finished)
                {
                    await CompleteAsync(upload, appended, session, db, spool, adopter, lease, audit, time);
                }
                else
                {
                    // A dropped connection keeps what arrived (tus resumes from it); nothing is cancelled from here on.
                    CrashPoints.Hit("upload-sealed");
                    upload.Offset += appended.Received;
                    upload.Tail = appended.SealedTail;
                    await db.SaveChangesAsync(CancellationToken.None);
                }
            }
            catch (DbUpdateConcurrencyException)
            {
                Discard(upload, spool, lease, truncate: false); // another process re-keyed it: its part is not this one's to cut
                return Problem(StatusCodes.Status409Conflict, ProblemTypes.Conflict, "This upload was changed by another request; send HEAD and resume from its offset.");
            }
            catch (Exception ex) when (ex is BlobStorageFullException || (ex is IOException io && LocalBlobTarget.IsDiskFull(io)))
            {
                Discard(upload, spool, lease);
                return Problem(StatusCodes.Status507InsufficientStorage, ProblemTypes.InsufficientStorage, "The server's disk is full; nothing of this request was kept. Send it again once there is room.");
            }
            catch (BlobIntegrityException ex)
            {
                // The acknowledged bytes on disk (or in the row) are not what was sealed: tampered or damaged. Nothing is built on them.
                Discard(upload, spool, lease, truncate: false);
                foreach (var observer in context.RequestServices.GetServices<IBlobIntegrityObserver>())
                {
                    await observer.OnIntegrityFailureAsync(ex.Key, ex.Reason, null, CancellationToken.None);
                }

                throw;
            }
            catch
            {
                Discard(upload, spool, lease);
                throw;
            }
        }

        context.Response.Headers["Upload-Offset"] = upload.Offset.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["Upload-Expires"] = upload.ExpiresAt.ToString("R", CultureInfo.InvariantCulture);
        return TypedResults.NoContent();
    }

    /// <summary>No session for this generation (a restart, a refused request before, another process): a fresh key, committed before anything new is sealed.</summary>
    private static async Task<UploadSession> RekeyAsync(Upload upload, TrabeculaDbContext db, SealedUploads sealing, UploadSpool spool, UploadSessions.Lease lease, CancellationToken cancellationToken)
    {
        lease.Invalidate();
        var (session, previous) = await sealing.StartGenerationAsync(upload, cancellationToken);
        try
        {
            CrashPoints.Hit("upload-keyed");
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            session.Dispose();
            File.Delete(spool.PathOf(upload.Id, session.PartKey));
            db.Entry(upload).State = EntityState.Detached; // its key fields name a part that is gone
            throw;
        }

        lease.Replace(session);
        if (previous is not null)
        {
            File.Delete(spool.PathOf(upload.Id, previous));
        }

        return session;
    }

    /// <summary>
    /// The chunks this request sealed are thrown away: the part is cut back to the acknowledged
    /// ones and the session dropped, so that the indices they used are never sealed again under
    /// the same key (the next request re-keys).
    /// </summary>
    private static void Discard(Upload upload, UploadSpool spool, UploadSessions.Lease lease, bool truncate = true)
    {
        lease.Invalidate();
        if (truncate && upload.PartKey is not null)
        {
            try
            {
                spool.Truncate(upload.Id, upload.PartKey, SealedUploads.CommittedLength(upload.Offset));
            }
            catch (IOException)
            {
                // Whatever stays past the acknowledged chunks is cut when the part is next opened, and is under a dead key.
            }
        }
    }

    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(20);

    internal static async Task<Results<NoContent, NotFound>> DeleteAsync(
        Guid uploadId, HttpContext context, ClaimsPrincipal user, TrabeculaDbContext db, UploadSpool spool, UploadSessions sessions, IBlobStore blobs, IAuditLog audit, TimeProvider time,
        CancellationToken cancellationToken)
    {
        context.Response.Headers["Tus-Resumable"] = TusVersion;
        var upload = await db.Uploads.SingleOrDefaultAsync(u => u.Id == uploadId && u.OwnerId == OwnerId(user), cancellationToken);
        if (upload is null)
        {
            return TypedResults.NotFound();
        }

        using (var lease = await sessions.EnterAsync(uploadId, LockWait, cancellationToken))
        {
            // Without the gate (a PATCH still running) the row goes anyway; that PATCH's commit then finds no row.
            lease?.Forget();
            db.Uploads.Remove(upload);
            await db.SaveChangesAsync(cancellationToken);
            spool.DeleteAll(upload.Id);
        }

        if (upload.BlobKey is not null && upload.ConsumedAt is null)
        {
            await blobs.DeleteAsync(upload.BlobKey, cancellationToken); // finished, then refused or abandoned: its blob has no other owner
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.UploadDeleted) { TargetType = "upload", TargetId = upload.Id.ToString() }, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The last chunk is sealed and the part fsynced: the part becomes the blob (a link on the
    /// local disk), and its Blobs row and the upload's completion are one commit. A crash before
    /// the commit leaves the upload one piece short (the client sends it again; the adopted file
    /// is an orphan the blob sweeper removes); after it, a leftover part the upload sweeper removes.
    /// </summary>
    private static async Task CompleteAsync(
        Upload upload, Appended appended, UploadSession session, TrabeculaDbContext db, UploadSpool spool, SealedBlobAdopter adopter, UploadSessions.Lease lease, IAuditLog audit, TimeProvider time)
    {
        var sha = Convert.ToHexStringLower(session.Sha256.GetHashAndReset());
        var part = spool.PathOf(upload.Id, session.PartKey);
        var blob = new SealedBlob(session.PartKey, upload.WrappedKey!, upload.KekId!.Value, upload.Length, appended.StoredLength, sha);
        var row = await adopter.AdoptAsync(blob, part, new BlobPutOptions { Category = "Upload", Compression = BlobCompressionMode.None }, CancellationToken.None);
        try
        {
            CrashPoints.Hit("upload-linked");
            db.Blobs.Add(row);
            upload.Offset = upload.Length;
            upload.BlobKey = session.PartKey;
            upload.Sha256 = sha;
            upload.CompletedAt = time.GetUtcNow().UtcDateTime;
            upload.Tail = null;
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch
        {
            db.Entry(row).State = EntityState.Detached;
            await adopter.DiscardAsync(row, CancellationToken.None);
            throw;
        }

        CrashPoints.Hit("upload-completed"); // the part left behind is swept (UploadSweeper)
        lease.Forget();
        File.Delete(part);
        await audit.RecordAsync(new AuditEvent(AuditAction.UploadCompleted)
        {
            TargetType = "upload",
            TargetId = upload.Id.ToString(),
            Details = new Dictionary<string, object?> { ["bytes"] = upload.Length, ["sha256"] = sha },
        }, CancellationToken.None);
    }

    /// <summary>An empty upload is complete at its creation.</summary>
    private static async Task CompleteEmptyAsync(Upload upload, TrabeculaDbContext db, IBlobStore blobs, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var stored = await blobs.PutAsync(ReadOnlyMemory<byte>.Empty, new BlobPutOptions { Category = "Upload", Compression = BlobCompressionMode.None }, cancellationToken);
        upload.BlobKey = stored.Key;
        upload.Sha256 = stored.Sha256;
        upload.CompletedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.UploadCompleted)
        {
            TargetType = "upload",
            TargetId = upload.Id.ToString(),
            Details = new Dictionary<string, object?> { ["bytes"] = 0L, ["sha256"] = stored.Sha256 },
        }, cancellationToken);
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
        var sessions = scope.ServiceProvider.GetRequiredService<UploadSessions>();
        foreach (var upload in expired)
        {
            sessions.Forget(upload.Id);
            spool.DeleteAll(upload.Id);
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
    /// Part files a crash or a refused request left behind: one whose upload row was never
    /// committed, an old generation's after a re-key, the part of an upload that became a blob
    /// just before the process died (REL-01). Only files older than Storage:OrphanGraceSeconds go,
    /// so a request in progress is never touched; an open upload's current part always stays.
    /// </summary>
    private async Task SweepSpoolAsync(TrabeculaDbContext db, UploadSpool spool, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(spool.Folder))
        {
            return;
        }

        var cutoff = time.GetUtcNow().UtcDateTime - TimeSpan.FromSeconds(storage.Value.OrphanGraceSeconds);
        var candidates = new List<(Guid Id, string? PartKey, string Path)>();
        foreach (var path in Directory.EnumerateFiles(spool.Folder))
        {
            if (File.GetLastWriteTimeUtc(path) > cutoff)
            {
                continue;
            }

            if (UploadSpool.TryParseName(Path.GetFileName(path), out var id, out var partKey))
            {
                candidates.Add((id, partKey, path));
            }
            else
            {
                File.Delete(path); // nothing the server writes here has another name
            }
        }

        var removed = 0;
        foreach (var batch in candidates.Chunk(500))
        {
            var ids = batch.Select(c => c.Id).Distinct().ToList();
            var current = (await db.Uploads.AsNoTracking().Where(u => ids.Contains(u.Id) && u.BlobKey == null && u.PartKey != null)
                .Select(u => new { u.Id, u.PartKey }).ToListAsync(cancellationToken)).ToDictionary(u => u.Id, u => u.PartKey);
            foreach (var (id, partKey, path) in batch)
            {
                if (partKey is null || !current.TryGetValue(id, out var keep) || !string.Equals(keep, partKey, StringComparison.Ordinal))
                {
                    File.Delete(path);
                    removed++;
                }
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

    [LoggerMessage(EventId = 1503, Level = LogLevel.Information, Message = "Removed {Count} orphaned upload part file(s)")]
    private static partial void LogSpoolSwept(ILogger logger, int count);
}

internal static class UploadsExtensions
{
    public static IHostApplicationBuilder AddUploads(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<UploadOptions, UploadOptionsValidator>(UploadOptions.SectionName);
        builder.Services.AddSingleton<UploadSpool>();
        builder.Services.AddSingleton<UploadSessions>();
        builder.Services.AddSingleton<SealedUploads>();
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
