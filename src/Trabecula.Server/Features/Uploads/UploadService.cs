using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;

namespace Trabecula.Server.Features.Uploads;

/// <summary>A finished upload as a consuming feature sees it: its blob.</summary>
public sealed record CompletedUpload(Guid Id, string BlobKey, string Sha256, long Length, string? Metadata);

/// <summary>What other features use: take a finished upload of the caller's, once.</summary>
public sealed class UploadService(TrabeculaDbContext db, TimeProvider time)
{
    /// <summary>The caller's finished, unconsumed, unexpired upload; null if there is none (answer 404).</summary>
    public async Task<CompletedUpload?> FindCompletedAsync(Guid uploadId, Guid ownerId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var upload = await db.Uploads.AsNoTracking()
            .SingleOrDefaultAsync(u => u.Id == uploadId && u.OwnerId == ownerId && u.BlobKey != null && u.ConsumedAt == null && u.ExpiresAt > now, cancellationToken);
        return upload is null ? null : new CompletedUpload(upload.Id, upload.BlobKey!, upload.Sha256!, upload.Length, upload.Metadata);
    }

    /// <summary>Marks it consumed; false if another request consumed it first.</summary>
    public async Task<bool> MarkConsumedAsync(Guid uploadId, string consumedBy, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return await db.Uploads.Where(u => u.Id == uploadId && u.ConsumedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(x => x.ConsumedAt, now).SetProperty(x => x.ConsumedBy, consumedBy), cancellationToken) == 1;
    }
}
