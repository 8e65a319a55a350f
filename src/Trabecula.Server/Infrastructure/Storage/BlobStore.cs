namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>Where a stored file is and what it must hash to.</summary>
public sealed record StoredBlob(string Key, long Length, string Sha256);

/// <summary>Raised when a stored file fails authentication or its hash: no bytes are returned.</summary>
public sealed class BlobIntegrityException(string key, string reason) : Exception($"Blob {key}: {reason}")
{
    public string Key { get; } = key;

    public string Reason { get; } = reason;
}

/// <summary>Raised before anything is written when the storage target or its disk has no room (answered 507).</summary>
public sealed class BlobStorageFullException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Raised when a write would go to a storage target outside the allowed regions (R-XFER-4).</summary>
public sealed class BlobResidencyException(string message) : Exception(message);

/// <summary>The data classes of R-SEC-3; the permission matrix decides on the finer class of the feature.</summary>
public enum BlobSensitivity
{
    SensitiveMedical,
    NonSensitiveMedical,
    DeviceData,
}

/// <summary>Whether to compress before encrypting.</summary>
public enum BlobCompressionMode
{
    /// <summary>Compress when a sample of the start shrinks well (uncompressed DICOM pixel data does; JPEG, zip and STL rarely).</summary>
    Auto,
    None,
    Always,
}

/// <summary>What the store records about a blob besides its bytes. The default is the strictest class.</summary>
public sealed record BlobPutOptions
{
    public static readonly BlobPutOptions Default = new();

    public BlobSensitivity Sensitivity { get; init; } = BlobSensitivity.SensitiveMedical;

    /// <summary>The feature's class (e.g. the permission matrix's IdentifiedPatientData), recorded as text.</summary>
    public string? Category { get; init; }

    public Guid? OrderId { get; init; }

    public BlobCompressionMode Compression { get; init; } = BlobCompressionMode.Auto;

    /// <summary>
    /// When set, the blob's row is added to this context instead of being saved on its own: the
    /// caller's SaveChanges writes it in the caller's transaction (one durable commit for the
    /// file's row and the rows that point at it). Until then the sealed file has no row, which
    /// is what a crash leaves too, and <see cref="BlobSweeper"/> removes it after the grace period.
    /// The file's commit (fsync, rename, folder fsync) then runs on another thread while the caller
    /// writes its rows, and is registered on the context: a save outside a transaction waits for it,
    /// and a transaction must call <see cref="Trabecula.Server.Data.TrabeculaDbContext.WaitForBlobCommitsAsync"/>
    /// before it commits (<see cref="Features.Audit.AuditAppender.SaveChangesWithAsync"/> does), so a row never commits before its file is durable.
    /// </summary>
    public Trabecula.Server.Data.TrabeculaDbContext? SaveWith { get; init; }
}

/// <summary>
/// An open, verifying read of a blob. Every chunk is authenticated before its bytes are handed
/// out; a whole read also checks length and SHA-256 at the end and throws
/// <see cref="BlobIntegrityException"/> instead of reporting end of stream.
/// </summary>
public sealed class BlobReadStream(Stream inner, long length, string sha256, long offset) : Stream
{
    /// <summary>The plaintext length of the whole blob.</summary>
    public long BlobLength { get; } = length;

    public string Sha256 { get; } = sha256;

    /// <summary>Where this read starts in the blob.</summary>
    public long Offset { get; } = offset;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    /// <summary>How many bytes this read yields (the range, or the whole blob).</summary>
    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => inner.Read(buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>
/// The one interface files of patient data, designs and production go through. Keys are made by
/// the server, never from a user's file name. Content is encrypted in 64 KiB chunks with a data
/// key of its own (see <see cref="BlobEnvelope"/>), hashed while streaming and checked on every
/// full read.
/// </summary>
public interface IBlobStore
{
    /// <summary>Stores bytes already in memory with the default (strictest) class.</summary>
    Task<StoredBlob> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    Task<StoredBlob> PutAsync(ReadOnlyMemory<byte> content, BlobPutOptions options, CancellationToken cancellationToken = default);

    /// <summary>Streams <paramref name="content"/> to its end into a new blob; memory use stays at a few chunks.</summary>
    Task<StoredBlob> PutAsync(Stream content, BlobPutOptions options, CancellationToken cancellationToken = default);

    /// <summary>The plaintext, after checking authentication and that it hashes to <paramref name="sha256"/>.</summary>
    Task<byte[]> GetAsync(string key, string sha256, CancellationToken cancellationToken = default);

    /// <summary>
    /// A verifying stream over the plaintext from <paramref name="offset"/>, <paramref name="count"/>
    /// bytes (null: to the end). A read of the whole blob is checked against <paramref name="sha256"/>
    /// at its end; a range read is checked chunk by chunk (each chunk's tag binds blob, index and position).
    /// </summary>
    Task<BlobReadStream> OpenReadAsync(string key, string sha256, long offset = 0, long? count = null, CancellationToken cancellationToken = default);

    /// <summary>Removes a blob (its row, then its bytes); a missing blob is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);
}
