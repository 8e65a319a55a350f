using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Trabecula.Launcher;

/// <summary>
/// Every verb that is not a library verb (serve, db, demo, audit, keys, signatures, version, help)
/// belongs to the server executable. On Linux this process is replaced by it (execv): same process
/// id, signals, standard streams and exit code, as if the user had started the server directly,
/// so a service manager's stop signal reaches the server and nothing sits in between. Elsewhere the
/// server runs as a child and its exit code is returned.
/// </summary>
internal static partial class ServerHandoff
{
    /// <summary>sysexits.h EX_UNAVAILABLE-like code of shells for "command not found".</summary>
    private const int NotFound = 127;

    public static int Run(string[] args)
    {
        var (program, leading) = Resolve();
        if (program is null)
        {
            Console.Error.WriteLine("trabecula: the server executable (Trabecula.Server) is not beside this launcher; set TRABECULA_SERVER to its path");
            return NotFound;
        }

        string[] argv = [program, .. leading, .. args];
        if (OperatingSystem.IsLinux())
        {
            Exec(argv);
            // execv returns only when it failed.
            Console.Error.WriteLine($"trabecula: cannot start {program}: {Marshal.GetLastPInvokeErrorMessage()}");
            return NotFound;
        }

        var start = new ProcessStartInfo(program) { UseShellExecute = false };
        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var child = Process.Start(start)!;
        child.WaitForExit();
        return child.ExitCode;
    }

    /// <summary>
    /// The server: TRABECULA_SERVER if set (an executable, or a .dll run by the dotnet host), else
    /// the published apphost beside this launcher, else the server assembly beside it.
    /// </summary>
    internal static (string? Program, string[] Leading) Resolve()
    {
        var configured = Environment.GetEnvironmentVariable("TRABECULA_SERVER");
        var beside = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Trabecula.Server.exe" : "Trabecula.Server");
        var target = !string.IsNullOrEmpty(configured) ? Path.GetFullPath(configured)
            : File.Exists(beside) ? beside
            : Path.Combine(AppContext.BaseDirectory, "Trabecula.Server.dll");
        if (!File.Exists(target))
        {
            return (null, []);
        }

        if (!target.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return (target, []);
        }

        // A managed assembly needs the dotnet host: the one running this launcher when it runs
        // managed itself (dotnet trabecula.dll), else the one on PATH or under DOTNET_ROOT.
        var host = HostPath();
        return host is null ? (null, []) : (host, [target]);
    }

    private static string? HostPath()
    {
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } self && Path.GetFileName(self) == name)
        {
            return self;
        }

        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root)
        {
            candidates.Add(Path.Combine(root, name));
        }

        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            candidates.Add(Path.Combine(folder, name));
        }

        return candidates.FirstOrDefault(File.Exists);
    }

    private static unsafe void Exec(string[] argv)
    {
        // NUL-terminated UTF-8 strings and a NULL-terminated pointer array, as execv(3) wants them;
        // on success none of this is ever freed because the process image is gone.
        var pointers = new nint[argv.Length + 1];
        try
        {
            for (var i = 0; i < argv.Length; i++)
            {
                pointers[i] = Marshal.StringToCoTaskMemUTF8(argv[i]);
            }

            fixed (nint* vector = pointers)
            {
                _ = execv((byte*)pointers[0], (byte**)vector);
            }
        }
        finally
        {
            foreach (var p in pointers)
            {
                Marshal.FreeCoTaskMem(p);
            }
        }
    }

    [LibraryImport("libc.so.6", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static unsafe partial int execv(byte* path, byte** argv);
}
