namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>One stored object as a target lists it: a committed blob or a leftover temp file.</summary>
internal sealed record BlobListing(string Name, bool IsTemporary, DateTimeOffset LastModified);

/// <summary>
/// A write in progress: ciphertext goes to <see cref="Content"/>; <see cref="CommitAsync"/> makes it
/// durable and visible under its key; disposing without committing leaves nothing behind.
/// </summary>
internal interface IBlobWrite : IAsyncDisposable
{
    Stream Content { get; }

    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Where sealed blobs are kept: bytes only, never keys or plaintext. The store above it does the
/// cryptography, the hashing and the database rows; a target just keeps ciphertext durable.
/// </summary>
internal interface IBlobTarget
{
    /// <summary>The name recorded on each blob row ("local", "s3").</summary>
    string Name { get; }

    /// <summary>The region the bytes live in, checked against Storage:AllowedRegions (R-XFER-4).</summary>
    string Region { get; }

    /// <summary>Starts a write; throws <see cref="BlobStorageFullException"/> if <paramref name="expectedLength"/> cannot fit.</summary>
    Task<IBlobWrite> BeginWriteAsync(string key, long? expectedLength, CancellationToken cancellationToken);

    /// <summary>The stored bytes from <paramref name="offset"/> (<paramref name="length"/> of them, or to the end); null when missing.</summary>
    Task<Stream?> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken);

    /// <summary>
    /// Makes <paramref name="sealedPath"/>, a local file already in the blob format and fsynced,
    /// the durable blob <paramref name="key"/>, without touching its content; the file stays where
    /// it is (its owner deletes it after the commit that records the blob).
    /// </summary>
    Task AdoptAsync(string key, string sealedPath, CancellationToken cancellationToken);

    Task DeleteAsync(string name, bool temporary, CancellationToken cancellationToken);

    IAsyncEnumerable<BlobListing> ListAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The configured targets: the one new blobs go to (Storage:Target) and every one a recorded
/// blob may name, so that switching the write target keeps older blobs readable.
/// </summary>
internal sealed class BlobTargets(IEnumerable<IBlobTarget> targets, Microsoft.Extensions.Options.IOptions<StorageOptions> options)
{
    private readonly IReadOnlyList<IBlobTarget> _all = [.. targets];

    public IReadOnlyList<IBlobTarget> All => _all;

    public IBlobTarget Write => Find(options.Value.Target)
        ?? throw new InvalidOperationException($"Storage:Target '{options.Value.Target}' is not configured.");

    public IBlobTarget? Find(string name) => _all.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));
}

internal static class BlobTargetExtensions
{
    /// <summary>Adoption by copy, as any write: the sealed bytes stream into a new write and are committed.</summary>
    public static async Task CopyInAsync(this IBlobTarget target, string key, string sealedPath, CancellationToken cancellationToken)
    {
        await using var source = new FileStream(sealedPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using var write = await target.BeginWriteAsync(key, source.Length, cancellationToken);
        await source.CopyToAsync(write.Content, 1 << 20, cancellationToken);
        await write.CommitAsync(cancellationToken);
    }
}
