using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// A blob's temp file on Linux, written with O_DIRECT a MiB per system call from a pooled,
/// page-aligned array: the ciphertext goes from that array to the disk without a copy into the
/// page cache. That copy was the largest single cost of a stored CT slice (a quarter of the
/// server's CPU samples: every new blob lands in page-cache pages the machine has not used yet),
/// and the bytes are read back rarely, so caching them buys nothing. Durability is unchanged:
/// <see cref="FlushToDisk"/> still fsyncs (the file's size and extents, and the disk's cache).
/// Where the file system refuses O_DIRECT (tmpfs, some network file systems), the same class
/// writes through the page cache. Only ciphertext passes through here.
/// </summary>
internal sealed class DirectBlobFile : WriteOnlyStream, IDurableFile
{
    private const int Size = 1 << 20;

    private const int Alignment = AlignedBlockPool.Alignment;

    private const int FGetFl = 3;
    private const int FSetFl = 4;
    private const int EInval = 22;

    private static readonly AlignedBlockPool Pool = new(Size);

    private readonly FileStream _file;
    private readonly SafeFileHandle _handle;
    private byte[]? _array;
    private readonly int _start;
    private int _filled;
    private long _offset;
    private bool _direct;

    /// <summary>Takes over <paramref name="file"/> (unbuffered, nothing written yet) and asks for O_DIRECT on it.</summary>
    public DirectBlobFile(FileStream file)
    {
        _file = file;
        _handle = file.SafeFileHandle;
        _direct = TrySetDirect(_handle, on: true);
        _array = Pool.Rent();
        _start = AlignedBlockPool.Start(_array);
    }

    /// <summary>Whether this platform can ask for O_DIRECT (the flag's value differs between architectures).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && ODirect != 0;

    private static int ODirect => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 or Architecture.X86 => 0x4000,
        Architecture.Arm64 or Architecture.Arm => 0x10000,
        _ => 0,
    };

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Synchronous on purpose: an asynchronous file write on Linux is this same pwrite run on
        // another pool thread, one thread hop per MiB for nothing.
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var array = _array ?? throw new ObjectDisposedException(nameof(DirectBlobFile));
        while (!buffer.IsEmpty)
        {
            var take = Math.Min(buffer.Length, Size - _filled);
            buffer[..take].CopyTo(array.AsSpan(_start + _filled));
            _filled += take;
            buffer = buffer[take..];
            if (_filled == Size)
            {
                Drain(Size);
            }
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Flush();
        return Task.CompletedTask;
    }

    /// <summary>Writes what is gathered; the file then holds every byte written so far, and only those.</summary>
    public override void Flush()
    {
        if (_filled == 0 || _array is not { } array)
        {
            return;
        }

        var length = _offset + _filled;
        if (_direct)
        {
            // The tail is written padded to the alignment and the file cut back to its length.
            var padded = (_filled + Alignment - 1) / Alignment * Alignment;
            array.AsSpan(_start + _filled, padded - _filled).Clear();
            Drain(padded);
            RandomAccess.SetLength(_handle, length);
            _offset = length;
        }
        else
        {
            Drain(_filled);
        }
    }

    /// <summary>fsync: the data, the file's size and its extents are on the disk when this returns.</summary>
    public void FlushToDisk() => _file.Flush(flushToDisk: true);

    private void Drain(int count)
    {
        var array = _array!;
        var written = _filled;
        _filled = 0; // a failed write is not retried: the blob is abandoned (and its temp file deleted)
        try
        {
            RandomAccess.Write(_handle, array.AsSpan(_start, count), _offset);
        }
        catch (IOException ex) when (_direct && ex.HResult == EInval)
        {
            // The file system took the flag but not this write: the rest goes through the page cache.
            _direct = !TrySetDirect(_handle, on: false);
            RandomAccess.Write(_handle, array.AsSpan(_start, written), _offset);
            count = written;
        }

        _offset += Math.Min(count, written);
    }

    internal static bool TrySetDirect(SafeFileHandle handle, bool on)
    {
        if (!IsSupported)
        {
            return false;
        }

        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            var flags = Fcntl(fd, FGetFl, 0);
            return flags >= 0 && Fcntl(fd, FSetFl, on ? flags | ODirect : flags & ~ODirect) == 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    public override bool CanWrite => _array is not null;

    /// <summary>Gives the array back (its ciphertext is not cleared: it is what the disk holds anyway) and closes the file; unwritten bytes are dropped.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (_array is { } array)
            {
                _array = null;
                _filled = 0;
                Pool.Return(array);
            }

            _file.Dispose();
        }

        base.Dispose(disposing);
    }

    // fcntl is variadic; its third argument here is an int, which the calling convention passes like a fixed one.
    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int command, int argument);
}

/// <summary>A blob file that can be made durable: fsync after the last write.</summary>
internal interface IDurableFile
{
    void FlushToDisk();
}
