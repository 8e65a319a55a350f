namespace Trabecula.Server.Tests.Infrastructure;

/// <summary>Finds the repository and the server's own build output from the test binaries.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the configuration these tests were built in, read off the output path.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The server as a user runs it: its own output folder, with its web root beside it.</summary>
    public static string ServerDll { get; } = Path.Combine(Root, "src", "Trabecula.Server", "bin", Configuration, "net10.0", "Trabecula.Server.dll");

    /// <summary>The `trabecula` launcher's managed build (published, it is a native executable).</summary>
    public static string LauncherDll { get; } = Path.Combine(Root, "src", "Trabecula.Launcher", "bin", Configuration, "net10.0", "trabecula.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Trabecula.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Trabecula.slnx not found above " + AppContext.BaseDirectory);
    }
}
