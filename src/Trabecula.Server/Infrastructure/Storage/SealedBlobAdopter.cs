using Microsoft.Extensions.Options;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>What a finished sealed file is, for the row the adopter makes of it.</summary>
internal sealed record SealedBlob(string Key, byte[] WrappedKey, Guid KekId, long Length, long StoredLength, string Sha256);

/// <summary>
/// Turns a file that is already a sealed blob (a tus upload sealed as it arrived) into a stored
/// blob: the residency check, the target's adoption (a link on the local disk), and the Blobs row,
/// which the caller commits together with its own rows. Until that commit the adopted file has no
/// row, which is what a crash leaves too, and <see cref="BlobSweeper"/> removes it.
/// </summary>
internal sealed class SealedBlobAdopter(BlobTargets targets, IOptions<StorageOptions> storage, TimeProvider time)
{
    /// <summary>Throws <see cref="BlobResidencyException"/> now rather than after the last byte, if new blobs may not be written.</summary>
    public void EnsureWritable() => EnvelopeBlobStore.EnsureResident(targets.Write, storage.Value);

    public async Task<BlobRecord> AdoptAsync(SealedBlob blob, string sealedPath, BlobPutOptions options, CancellationToken cancellationToken)
    {
        var target = targets.Write;
        EnvelopeBlobStore.EnsureResident(target, storage.Value);
        await target.AdoptAsync(blob.Key, sealedPath, cancellationToken);
        return new BlobRecord
        {
            Key = blob.Key,
            WrappedKey = blob.WrappedKey,
            KekId = blob.KekId,
            Length = blob.Length,
            StoredLength = blob.StoredLength,
            Sha256 = blob.Sha256,
            Compression = BlobCompression.None,
            Sensitivity = options.Sensitivity,
            Category = options.Category,
            OrderId = options.OrderId,
            Target = target.Name,
            Region = target.Region,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
    }

    /// <summary>Removes an adopted file whose row was not committed (the sweeper would, later).</summary>
    public async Task DiscardAsync(BlobRecord row, CancellationToken cancellationToken)
    {
        if (targets.Find(row.Target) is { } target)
        {
            await target.DeleteAsync(row.Key, temporary: false, cancellationToken);
        }
    }
}
