namespace Trabecula.Dicom.Tests.TestSupport;

/// <summary>
/// Paths relative to the repository: its root is the folder holding Trabecula.slnx, found by walking
/// up from the test assembly. The synthetic CT generator is the project's bench script
/// (../shared/bench/make-ct-series.py), copied into tools/fixtures so that a clean clone on a
/// fresh machine runs the tests without the shared folder.
/// </summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string MakeCtSeriesScript => Path.Combine(Root, "tools", "fixtures", "make-ct-series.py");

    public static string DictionaryGenerator => Path.Combine(Root, "tools", "generate-dicom-dictionary.py");

    public static string LibrarySource => Path.Combine(Root, "src", "Trabecula.Dicom");

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
