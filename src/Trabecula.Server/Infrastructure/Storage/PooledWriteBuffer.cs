using System.Buffers;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// Gathers writes into one pooled 1 MiB array in front of an unbuffered file (where
/// <see cref="DirectBlobFile"/> is not supported: not Linux), so that a blob is
/// written a MiB per system call without FileStream's own buffer: that one is a fresh 1 MiB array
/// per file, a large-object allocation per stored CT slice, and those drove a background gen-2
/// collection every few files. Only ciphertext passes through here.
/// </summary>
internal sealed class PooledWriteBuffer(FileStream file) : WriteOnlyStream, IDurableFile
{
    private const int Size = 1 << 20;
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(Size);
    private int _filled;

    public FileStream File => file;

    /// <summary>fsync of the file (after <see cref="FlushAsync"/>).</summary>
    public void FlushToDisk() => file.Flush(flushToDisk: true);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var gather = _buffer ?? throw new ObjectDisposedException(nameof(PooledWriteBuffer));
        while (!buffer.IsEmpty)
        {
            if (_filled == 0 && buffer.Length >= Size)
            {
                // Already a MiB or more: straight through, no copy.
                await file.WriteAsync(buffer, cancellationToken);
                return;
            }

            var take = Math.Min(buffer.Length, Size - _filled);
            buffer.Span[..take].CopyTo(gather.AsSpan(_filled));
            _filled += take;
            buffer = buffer[take..];
            if (_filled == Size)
            {
                await DrainAsync(cancellationToken);
            }
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var gather = _buffer ?? throw new ObjectDisposedException(nameof(PooledWriteBuffer));
        while (!buffer.IsEmpty)
        {
            var take = Math.Min(buffer.Length, Size - _filled);
            buffer[..take].CopyTo(gather.AsSpan(_filled));
            _filled += take;
            buffer = buffer[take..];
            if (_filled == Size)
            {
                Drain();
            }
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await DrainAsync(cancellationToken);
        await file.FlushAsync(cancellationToken);
    }

    public override void Flush()
    {
        Drain();
        file.Flush();
    }

    private async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        if (_filled > 0 && _buffer is { } gather)
        {
            var count = _filled;
            _filled = 0; // a failed write is not retried: the blob is abandoned (and its temp file deleted)
            await file.WriteAsync(gather.AsMemory(0, count), cancellationToken);
        }
    }

    private void Drain()
    {
        if (_filled > 0 && _buffer is { } gather)
        {
            var count = _filled;
            _filled = 0;
            file.Write(gather, 0, count);
        }
    }

    public override bool CanWrite => _buffer is not null;

    /// <summary>Gives the array back; unwritten bytes are dropped (callers flush before they commit) and the file is closed.</summary>
    public override async ValueTask DisposeAsync()
    {
        Release();
        await file.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Release();
            file.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Release()
    {
        if (_buffer is { } gather)
        {
            _buffer = null;
            _filled = 0;
            ArrayPool<byte>.Shared.Return(gather);
        }
    }
}
