using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// Sealed blobs under data/blobs/aa/bb/&lt;key&gt;. A write goes to data/blobs/.tmp, is fsynced,
/// renamed into place and the folder fsynced, so that a crash at any moment leaves either no
/// file under the key or the whole file (temp → fsync → rename → fsync folder).
/// </summary>
internal sealed class LocalBlobTarget(DataDirectory data, IOptions<StorageOptions> options) : IBlobTarget
{
    private const string TempFolder = ".tmp";

    /// <summary>Room kept free on the disk so that the database and logs beside the blobs can still write.</summary>
    private const long Reserve = 1L << 20;

    /// <summary>Reads longer than this read ahead.</summary>
    private const long LongRead = 8L << 20;

    public string Name => "local";

    public string Region => options.Value.Local.Region;

    private string Root => options.Value.Local.Directory is { Length: > 0 } configured ? Path.GetFullPath(configured) : data.PathOf("blobs");

    public Task<IBlobWrite> BeginWriteAsync(string key, long? expectedLength, CancellationToken cancellationToken)
    {
        var temp = EnsureFolder(TempFolder);
        if (expectedLength is { } length && new DriveInfo(temp).AvailableFreeSpace < length + Reserve)
        {
            throw new BlobStorageFullException("The blob store's disk has no room for this file.");
        }

        var tempPath = Path.Combine(temp, $"{key}.{Guid.NewGuid():N}.tmp");
        var direct = DirectBlobFile.IsSupported;
        var create = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0, // DirectBlobFile or PooledWriteBuffer gathers the sealer's 64 KiB chunks: a MiB per write syscall
            Options = direct ? FileOptions.None : FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var file = new FileStream(tempPath, create);
        WriteOnlyStream stream = direct ? new DirectBlobFile(file) : new PooledWriteBuffer(file);
        return Task.FromResult<IBlobWrite>(new LocalWrite(this, key, tempPath, stream));
    }

    public Task<Stream?> OpenReadAsync(string key, long offset, long? length, CancellationToken cancellationToken)
    {
        try
        {
            // A long read goes past the page cache with its next block in flight (ReadAheadStream):
            // blobs are written past it too (DirectBlobFile). Short reads stay plain.
            var handle = File.OpenHandle(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.Asynchronous | FileOptions.SequentialScan);
            var fileLength = RandomAccess.GetLength(handle);
            if ((length ?? fileLength - offset) > LongRead)
            {
                return Task.FromResult<Stream?>(new ReadAheadStream(handle, fileLength, offset));
            }

            var stream = new FileStream(handle, FileAccess.Read, 1 << 16, isAsync: true);
            stream.Position = Math.Min(offset, fileLength);
            return Task.FromResult<Stream?>(stream);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    /// <summary>
    /// A hard link: the sealed file becomes the blob without a byte copied, and the folder fsync
    /// makes the new name durable. Where a link cannot be made (another file system, one without
    /// hard links, Windows) the bytes are copied as any write (temp, fsync, rename, fsync folder).
    /// </summary>
    public async Task AdoptAsync(string key, string sealedPath, CancellationToken cancellationToken)
    {
        var folder = EnsureFolder(key[..2], key[2..4]);
        if (!OperatingSystem.IsWindows())
        {
            if (Link(sealedPath, PathOf(key)) == 0)
            {
                SyncFolder(folder);
                return;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno is 28 or 122)
            {
                throw new BlobStorageFullException("The blob store's disk is full.");
            }

            if (errno is not (18 /* EXDEV */ or 1 /* EPERM */ or 31 /* EMLINK */ or 95 /* EOPNOTSUPP */))
            {
                throw new IOException($"Cannot link the sealed upload into the blob store (errno {errno}).");
            }
        }

        await this.CopyInAsync(key, sealedPath, cancellationToken);
    }

    public Task DeleteAsync(string name, bool temporary, CancellationToken cancellationToken)
    {
        File.Delete(temporary ? Path.Combine(Root, TempFolder, name) : PathOf(name));
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<BlobListing> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        if (!Directory.Exists(Root))
        {
            yield break;
        }

        foreach (var path in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(path);
            var temporary = string.Equals(info.Directory?.Name, TempFolder, StringComparison.Ordinal);
            yield return new BlobListing(info.Name, temporary, info.LastWriteTimeUtc);
        }
    }

    internal string PathOf(string key) => Path.Combine(Root, key[..2], key[2..4], key);

    private string EnsureFolder(params string[] parts)
    {
        var path = Root;
        foreach (var part in (string[])["", .. parts])
        {
            path = part.Length == 0 ? path : Path.Combine(path, part);
            if (!Directory.Exists(path))
            {
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(path);
                }
                else
                {
                    Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }
        }

        return path;
    }

    /// <summary>fsync of a folder, so that a rename in it survives power loss (there is no managed API for it).</summary>
    private static void SyncFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(folder, 0x10000 /* O_RDONLY | O_DIRECTORY */);
        if (fd < 0)
        {
            throw new IOException($"Cannot open {folder} to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of {folder} failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "link", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int Link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string created);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    /// <summary>ENOSPC and EDQUOT: the disk or the quota is full.</summary>
    internal static bool IsDiskFull(IOException ex) => (ex.HResult & 0xFFFF) is 28 or 122 || ex.HResult == unchecked((int)0x80070070);

    private sealed class LocalWrite(LocalBlobTarget target, string key, string tempPath, WriteOnlyStream stream) : IBlobWrite
    {
        private bool _committed;

        public Stream Content => stream;

        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            try
            {
                await stream.FlushAsync(cancellationToken);
                ((IDurableFile)stream).FlushToDisk();
                await stream.DisposeAsync();
                CrashPoints.Hit("blob-fsynced");
                var path = target.PathOf(key);
                var folder = target.EnsureFolder(key[..2], key[2..4]);
                File.Move(tempPath, path);
                CrashPoints.Hit("blob-renamed");
                SyncFolder(folder);
                SyncFolder(Path.GetDirectoryName(tempPath)!);
                _committed = true;
            }
            catch (IOException ex) when (IsDiskFull(ex))
            {
                throw new BlobStorageFullException("The blob store's disk is full.", ex);
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await stream.DisposeAsync();
            }
            catch (IOException) when (!_committed)
            {
                // Closing flushes the buffered tail; on a full disk that fails again (REL-03). The
                // write is abandoned anyway, and this must not hide the first error nor keep the file.
            }
            finally
            {
                if (!_committed)
                {
                    File.Delete(tempPath);
                }
            }
        }
    }
}
