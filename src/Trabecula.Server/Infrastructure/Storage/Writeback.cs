using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// Starts the kernel writing a just-written range to the disk without waiting for it
/// (Linux <c>sync_file_range(SYNC_FILE_RANGE_WRITE)</c>). A tus PATCH is fsynced before it is
/// acknowledged; started early, the disk writes the piece while the rest of it still arrives, and
/// the fsync at the end waits for the last MiB instead of all of it. Durability still comes from
/// the fsync alone; elsewhere (and if the call fails) this does nothing.
/// </summary>
internal static class Writeback
{
    private const uint SyncFileRangeWrite = 2;

    private static bool _unavailable = !OperatingSystem.IsLinux();

    public static void Start(SafeFileHandle file, long offset, long length) =>
        Call(file, offset, length, (fd, o, l) => SyncFileRange(fd, o, l, SyncFileRangeWrite) == 0 || Marshal.GetLastPInvokeError() is not (38 /* ENOSYS */ or 95 /* EOPNOTSUPP */));

    /// <summary>
    /// After the fsync: the range's pages are clean, and giving them back lets the next writes reuse
    /// them, which on this VM is cheaper than filling fresh pages (see DirectBlobFile). Advice only.
    /// </summary>
    public static void Release(SafeFileHandle file, long offset, long length) =>
        Call(file, offset, length, (fd, o, l) =>
        {
            _ = PosixFadvise(fd, o, l, 4 /* POSIX_FADV_DONTNEED */); // advice: a refusal changes nothing
            return true;
        });

    /// <summary>Runs one of the calls on the file's descriptor; a call that says it is not there (false) turns both off.</summary>
    private static void Call(SafeFileHandle file, long offset, long length, Func<int, long, long, bool> call)
    {
        if (_unavailable || length <= 0)
        {
            return;
        }

        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            _unavailable = !call((int)file.DangerousGetHandle(), offset, length);
        }
        catch (EntryPointNotFoundException)
        {
            _unavailable = true;
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    [DllImport("libc", EntryPoint = "posix_fadvise")]
    private static extern int PosixFadvise(int fd, long offset, long length, int advice);

    [DllImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    private static extern int SyncFileRange(int fd, long offset, long nbytes, uint flags);
}
