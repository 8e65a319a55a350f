namespace Trabecula.Mesh.Tests.TestSupport;

/// <summary>Paths relative to the repository: its root is the folder holding Trabecula.slnx.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string LibrarySource => Path.Combine(Root, "src", "Trabecula.Mesh");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Trabecula.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Trabecula.slnx not found above " + AppContext.BaseDirectory);
    }
}
