namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// A seekable, read-only view of a blob for readers that jump around (a zip's central directory,
/// then its entries; an HTTP range request) without holding the blob in memory: each jump opens
/// a verifying read at the new position (<see cref="IBlobStore.OpenReadAsync"/>), so every chunk
/// handed out is authenticated, and a read from the start to the end is also checked against the
/// blob's SHA-256.
/// </summary>
public sealed class BlobSeekableStream(IBlobStore blobs, string key, string sha256, long length) : Stream
{
    private const int ForwardSkipBytes = 4 << 20;
    private BlobReadStream? _current;
    private long _position;
    private long _streamPosition;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
        // A short jump forward (a zip's next entry) reads on; anything else opens anew at the next
        // read, so that a reader that seeks several times in a row costs one open.
        if (_current is null || target < _streamPosition || target - _streamPosition > ForwardSkipBytes)
        {
            _current?.Dispose();
            _current = null;
        }

        _position = target;
        return _position;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= length || buffer.IsEmpty)
        {
            return 0;
        }

        if (_current is null)
        {
            _current = await blobs.OpenReadAsync(key, sha256, _position, null, cancellationToken);
            _streamPosition = _position;
        }

        if (_streamPosition < _position)
        {
            var scratch = new byte[(int)Math.Min(_position - _streamPosition, 1 << 16)];
            while (_streamPosition < _position)
            {
                var skipped = await _current.ReadAsync(scratch.AsMemory(0, (int)Math.Min(scratch.Length, _position - _streamPosition)), cancellationToken);
                if (skipped == 0)
                {
                    return 0;
                }

                _streamPosition += skipped;
            }
        }

        var read = await _current.ReadAsync(buffer, cancellationToken);
        _position += read;
        _streamPosition = _position;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Synchronous readers (System.IO.Compression's ZipArchive, the DICOM parser) run on thread-pool
    // threads without a synchronization context, so waiting on the asynchronous read is safe here.
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _current?.Dispose();
            _current = null;
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_current is not null)
        {
            await _current.DisposeAsync();
            _current = null;
        }

        await base.DisposeAsync();
    }
}
