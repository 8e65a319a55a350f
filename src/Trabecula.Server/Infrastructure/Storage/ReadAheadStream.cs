using Microsoft.Win32.SafeHandles;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// A long forward read of a blob file: 4 MiB blocks read with O_DIRECT where the platform allows
/// it, the next block's read in flight while the caller decrypts, hashes and sends the current one.
/// Blobs are written past the page cache (<see cref="DirectBlobFile"/>), so a download reads from
/// the disk; through the page cache, filling fresh cache pages cost this VM more than the disk
/// itself (a 1 GiB download: 3.7 s cold against 1.7 s from the cache, while dd read the same file
/// in 0.8 s). The blocks are pinned, 4 KiB aligned, pooled, and hold ciphertext only.
/// </summary>
internal sealed class ReadAheadStream : ReadOnlyStream
{
    private const int BlockSize = 4 << 20;
    private const int Alignment = AlignedBlockPool.Alignment;
    private static readonly AlignedBlockPool Pool = new(BlockSize);

    private readonly SafeFileHandle _file;
    private readonly long _length;
    private byte[] _current;
    private byte[] _next;
    private Task<int>? _pending;
    private long _readAt;
    private int _skip;
    private int _start;
    private int _end;
    private bool _ended;
    private bool _direct;

    /// <summary>Takes over <paramref name="file"/> (<paramref name="length"/> bytes long); reading starts at <paramref name="offset"/>.</summary>
    public ReadAheadStream(SafeFileHandle file, long length, long offset)
    {
        _file = file;
        _length = length;
        _direct = DirectBlobFile.TrySetDirect(file, on: true);
        _readAt = _direct ? offset / Alignment * Alignment : offset; // O_DIRECT reads start on a block: the bytes before the offset are skipped
        _skip = (int)(offset - _readAt);
        _current = Pool.Rent();
        _next = Pool.Rent();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_start == _end)
        {
            if (_ended)
            {
                return 0;
            }

            _pending ??= FillAsync(_next, cancellationToken);
            var filled = await _pending;
            _pending = null;
            (_current, _next) = (_next, _current);
            _start = Math.Min(_skip, filled);
            _end = filled;
            _skip = 0;
            _ended = _readAt >= _length || filled == 0;
            if (!_ended)
            {
                _pending = FillAsync(_next, cancellationToken);
            }
        }

        var take = Math.Min(buffer.Length, _end - _start);
        _current.AsSpan(AlignedBlockPool.Start(_current) + _start, take).CopyTo(buffer.Span);
        _start += take;
        return take;
    }

    /// <summary>One block from the file, short only at its end.</summary>
    private async Task<int> FillAsync(byte[] block, CancellationToken cancellationToken)
    {
        var filled = 0;
        var memory = Pool.Block(block);
        while (filled < BlockSize && _readAt < _length)
        {
            int read;
            try
            {
                read = await RandomAccess.ReadAsync(_file, memory[filled..], _readAt, cancellationToken);
            }
            catch (IOException) when (_direct)
            {
                // The file system took the flag but refuses a read with it: read through the page cache from here.
                _direct = !DirectBlobFile.TrySetDirect(_file, on: false);
                if (_direct)
                {
                    throw;
                }

                continue;
            }

            if (read == 0)
            {
                break;
            }

            filled += read;
            _readAt += read;
        }

        return filled;
    }

    public override async ValueTask DisposeAsync()
    {
        await DrainAsync();
        Release();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DrainAsync().GetAwaiter().GetResult();
            Release();
        }

        base.Dispose(disposing);
    }

    /// <summary>The read in flight must finish before its block goes back to the pool.</summary>
    private async Task DrainAsync()
    {
        if (_pending is { } pending)
        {
            _pending = null;
            try
            {
                await pending;
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The caller stopped reading; what the read-ahead found no longer matters.
            }
        }
    }

    private void Release()
    {
        if (_current.Length > 0)
        {
            Pool.Return(_current);
            Pool.Return(_next);
            _current = _next = [];
            _file.Dispose();
        }
    }
}
