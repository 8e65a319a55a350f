using System.Runtime.ExceptionServices;
using Microsoft.Win32.SafeHandles;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// Appends to a file past the page cache (O_DIRECT on Linux), for a tus upload's part file. The
/// reason is the one behind <see cref="DirectBlobFile"/>: on this VM, filling fresh page-cache pages
/// was the largest cost of writing. A part, though, grows over many requests, and each request must
/// leave it exactly as long as what it wrote. O_DIRECT wants offsets and lengths aligned to 4 KiB, so:
/// <list type="bullet">
/// <item>The open reads the file's last partial 4 KiB block back into the first buffer and writes
/// again from that block's start. Those bytes are rewritten with the same values, so a torn write
/// cannot change them: each sector ends up either old or new, and the two are the same.</item>
/// <item>Writes go out <see cref="Size"/> bytes at a time from pinned aligned buffers, up to
/// <see cref="Depth"/> of them in flight while the next one fills. An O_DIRECT write returns only
/// when the device has the bytes, and one at a time left the disk idle between them. Measured in
/// docs/performance.md: 1 MiB one at a time against 2 MiB four at a time.</item>
/// <item>Every <see cref="FlushEvery"/> bytes that have landed, an fsync starts in the
/// background. The disk's own cache then drains while the body still arrives, and the caller's
/// fsync at the end waits only for the last part of it.</item>
/// <item><see cref="Complete"/> writes the last block padded with zeros and cuts the file back to its
/// length. A crash in between leaves the file longer than what the caller acknowledged, and the
/// caller's next open cuts that off anyway.</item>
/// </list>
/// Where the file system refuses O_DIRECT (tmpfs, some network file systems), the same class writes
/// through the page cache and starts each block's writeback early (<see cref="Writeback"/>). Only
/// ciphertext passes through here, so the buffers are not cleared.
/// </summary>
internal sealed class DirectAppendFile : IDisposable
{
    private const int Size = 2 << 20;
    private const int Depth = 4;
    private const long FlushEvery = 32L << 20;
    private const int Alignment = AlignedBlockPool.Alignment;
    private const int EInval = 22;

    // One upload uses Depth + 1 buffers; two at once are kept without allocating.
    private static readonly AlignedBlockPool Pool = new(Size, keep: 2 * (Depth + 1));

    private readonly SafeFileHandle _handle;
    private readonly Queue<(Task Write, byte[] Array)> _inFlight = new();
    private readonly Stack<byte[]> _free = new();
    private byte[]? _filling;
    private int _filled;
    private long _blockOffset; // where the filling buffer's first byte goes
    private long _flushedTo;
    private Task _flush = Task.CompletedTask;
    private bool _direct;

    /// <summary>
    /// Takes over the writing of <paramref name="handle"/>, which must be open for reading and writing,
    /// <paramref name="length"/> bytes long with nothing past them, and appends after its last byte.
    /// </summary>
    public DirectAppendFile(SafeFileHandle handle, long length)
    {
        _handle = handle;
        _direct = DirectBlobFile.TrySetDirect(handle, on: true);
        var partial = _direct ? (int)(length % Alignment) : 0;
        _blockOffset = length - partial;
        _filling = Pool.Rent();
        if (partial > 0)
        {
            // An aligned read of the whole block: past the end of the file it comes back short.
            var read = RandomAccess.Read(handle, Block(_filling)[..Alignment], _blockOffset);
            if (read < partial)
            {
                Pool.Return(_filling);
                throw new IOException($"the file's last block read back {read} of {partial} bytes");
            }
        }

        _filled = partial;
    }

    /// <summary>How long the file is once everything written so far is out.</summary>
    public long Length => _blockOffset + _filled;

    /// <summary>Copies <paramref name="data"/> in. Every full buffer is sent to the disk; when <see cref="Depth"/> are in flight, this waits for the oldest one.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            var filling = _filling ?? throw new ObjectDisposedException(nameof(DirectAppendFile));
            var take = Math.Min(data.Length, Size - _filled);
            data.Span[..take].CopyTo(Block(filling)[_filled..]);
            _filled += take;
            data = data[take..];
            if (_filled == Size)
            {
                _inFlight.Enqueue((WriteBlockAsync(filling, Size, _blockOffset), filling));
                _blockOffset += Size;
                _filled = 0;
                _filling = null;
                _filling = await NextBufferAsync();
            }
        }
    }

    /// <summary>Writes what is left and sets the file's length to <see cref="Length"/>. The caller fsyncs.</summary>
    public async Task Complete()
    {
        await DrainAsync();
        if (_filled == 0 || _filling is not { } filling)
        {
            return;
        }

        var count = _filled;
        if (_direct)
        {
            var padded = (count + Alignment - 1) / Alignment * Alignment;
            Block(filling)[count..padded].Clear();
            count = padded;
        }

        await WriteBlockAsync(filling, count, _blockOffset);
        if (count != _filled)
        {
            RandomAccess.SetLength(_handle, Length);
        }

        // The written bytes stay in the buffer: anything written next goes after them, from the same aligned block.
    }

    /// <summary>
    /// Writes one block on a pool thread; a file write on Linux is a blocking pwrite either way. If
    /// the file system took the flag but refuses the write, this block and the rest go through the
    /// page cache.
    /// </summary>
    private Task WriteBlockAsync(byte[] array, int count, long offset) => Task.Run(() =>
    {
        try
        {
            RandomAccess.Write(_handle, Block(array)[..count], offset);
        }
        catch (IOException ex) when (_direct && ex.HResult == EInval)
        {
            _direct = !DirectBlobFile.TrySetDirect(_handle, on: false);
            RandomAccess.Write(_handle, Block(array)[..count], offset);
        }

        if (!_direct)
        {
            Writeback.Start(_handle, offset, count);
        }
    });

    /// <summary>A free buffer: a new one while fewer than <see cref="Depth"/> writes are in flight, otherwise the oldest write's buffer once that write has landed.</summary>
    private async ValueTask<byte[]> NextBufferAsync()
    {
        if (_free.TryPop(out var free))
        {
            return free;
        }

        if (_inFlight.Count < Depth)
        {
            return Pool.Rent();
        }

        var (write, array) = _inFlight.Dequeue();
        try
        {
            await write;
        }
        catch
        {
            _free.Push(array);
            throw;
        }

        // Writes land in order, so everything before the blocks still in flight is on the device.
        var landed = _blockOffset - (_inFlight.Count * (long)Size);
        if (_direct && _flush.IsCompleted && landed - _flushedTo >= FlushEvery)
        {
            await _flush; // an earlier flush's error surfaces here
            _flushedTo = landed;
            _flush = Task.Run(() => RandomAccess.FlushToDisk(_handle));
        }

        return array;
    }

    /// <summary>Waits for every write in flight, in order, and for the background flush. The first error is thrown after all of them have ended.</summary>
    private async Task DrainAsync()
    {
        Exception? error = null;
        while (_inFlight.TryDequeue(out var entry))
        {
            try
            {
                await entry.Write;
            }
            catch (Exception ex)
            {
                error ??= ex;
            }

            _free.Push(entry.Array);
        }

        try
        {
            await _flush;
        }
        catch (Exception ex)
        {
            error ??= ex;
        }

        _flush = Task.CompletedTask;
        if (error is not null)
        {
            ExceptionDispatchInfo.Throw(error);
        }
    }

    private static Span<byte> Block(byte[] array) => array.AsSpan(AlignedBlockPool.Start(array), Size);

    /// <summary>Waits for the writes still in flight, then gives the buffers back. An error of theirs has already reached the caller, or the caller is unwinding from another one.</summary>
    public void Dispose()
    {
        try
        {
            DrainAsync().GetAwaiter().GetResult();
        }
        catch (IOException)
        {
            // The caller drops what was sealed.
        }

        if (_filling is { } filling)
        {
            _free.Push(filling);
            _filling = null;
        }

        while (_free.TryPop(out var array))
        {
            Pool.Return(array);
        }
    }
}
