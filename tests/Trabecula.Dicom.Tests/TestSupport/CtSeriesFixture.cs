namespace Trabecula.Dicom.Tests.TestSupport;

/// <summary>
/// A small synthetic CT series made by the shared bench generator (pydicom), plus the same first
/// slice re-encoded by dcmtk in every transfer syntax the tests need. Made once per test run.
/// </summary>
public sealed class CtSeriesFixture : IDisposable
{
    private readonly TempDirectory _temp = new();

    public CtSeriesFixture()
    {
        SeriesFolder = _temp.File("series");
        Gb18030Folder = _temp.File("gb18030");
        ExternalTool.RunChecked(ExternalTool.Python, RepositoryPaths.MakeCtSeriesScript, SeriesFolder, "-n", "5", "--rows", "64", "--cols", "64", "-q");
        ExternalTool.RunChecked(ExternalTool.Python, RepositoryPaths.MakeCtSeriesScript, Gb18030Folder, "-n", "2", "--rows", "32", "--cols", "32", "--gb18030", "-q", "--seed", "7");
        Slices = Directory.GetFiles(SeriesFolder, "*.dcm").Order(StringComparer.Ordinal).ToArray();
        First = Slices[0];
        Implicit = Convert("implicit.dcm", "dcmconv", "+ti");
        BigEndian = Convert("big.dcm", "dcmconv", "+tb");
        Deflated = Convert("deflated.dcm", "dcmconv", "+td");
        UndefinedLengths = Convert("undefined.dcm", "dcmconv", "-e");
        Rle = Convert("rle.dcm", "dcmcrle");
        Jpeg = Convert("jpeg.dcm", "dcmcjpeg");
    }

    public string SeriesFolder { get; }

    public string Gb18030Folder { get; }

    public IReadOnlyList<string> Slices { get; }

    public string First { get; }

    public string Implicit { get; }

    public string BigEndian { get; }

    public string Deflated { get; }

    public string UndefinedLengths { get; }

    public string Rle { get; }

    public string Jpeg { get; }

    public string NewPath(string name) => _temp.File(Guid.NewGuid().ToString("N")[..8] + "-" + name);

    public void Dispose() => _temp.Dispose();

    private string Convert(string name, string tool, params string[] options)
    {
        var output = _temp.File(name);
        ExternalTool.RunChecked(tool, [.. options, First, output]);
        return output;
    }
}

[CollectionDefinition(Name)]
public sealed class CtSeriesDefinition : ICollectionFixture<CtSeriesFixture>
{
    public const string Name = "CT series";
}
