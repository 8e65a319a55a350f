using Trabecula.Dicom.Dictionary;
using Trabecula.Dicom.Tests.TestSupport;

namespace Trabecula.Dicom.Tests.Dictionary;

public sealed class DicomDictionaryTests
{
    // Debian's libdcmtk package (libdcmtk17 on Debian 12) installs the dictionary here.
    private static readonly string? DcmtkDictionary = Directory.Exists("/usr/share")
        ? Directory.GetDirectories("/usr/share", "libdcmtk*").Select(d => Path.Combine(d, "dicom.dic")).Where(File.Exists).Order(StringComparer.Ordinal).LastOrDefault()
        : null;

    [Fact]
    public void Generator_RunOnDcmtkDictionary_MatchesCommittedResource()
    {
        Assert.True(DcmtkDictionary is not null, "/usr/share/libdcmtk*/dicom.dic is missing: install dcmtk (libdcmtk17); see .ci/run.");
        using var temp = new TempDirectory();
        var output = temp.File("dicom-dictionary.tsv");

        ExternalTool.RunChecked(ExternalTool.Python, RepositoryPaths.DictionaryGenerator, DcmtkDictionary!, output);

        var committed = File.ReadAllText(Path.Combine(RepositoryPaths.LibrarySource, "Dictionary", "dicom-dictionary.tsv"));
        Assert.True(committed == File.ReadAllText(output), "dicom-dictionary.tsv differs from the generator's output: rerun tools/generate-dicom-dictionary.py");
    }

    [Theory]
    [InlineData(0x0010, 0x0010, "PatientName", DicomVR.PN, false)]
    [InlineData(0x7FE0, 0x0010, "PixelData", DicomVR.OW, false)]
    [InlineData(0x6002, 0x3000, "OverlayData", DicomVR.OW, false)]
    [InlineData(0x6000, 0x0010, "OverlayRows", DicomVR.US, false)]
    [InlineData(0x5004, 0x0005, "CurveDimensions", DicomVR.US, true)]
    [InlineData(0x0020, 0x3150, "SourceImageIDs", DicomVR.CS, true)]
    [InlineData(0x0028, 0x0106, "SmallestImagePixelValue", DicomVR.US, false)]
    public void TryGetEntry_KnownAndRepeatingTags_Found(int group, int element, string keyword, DicomVR vr, bool retired)
    {
        Assert.True(DicomDictionary.Default.TryGetEntry(new DicomTag((ushort)group, (ushort)element), out var entry));

        Assert.Equal(keyword, entry.Keyword);
        Assert.Equal(vr, entry.VR);
        Assert.Equal(retired, entry.IsRetired);
    }

    [Fact]
    public void TryGetTag_Keyword_ReturnsTag()
    {
        Assert.True(DicomDictionary.Default.TryGetTag("StudyInstanceUID", out var tag));
        Assert.Equal(new DicomTag(0x0020, 0x000D), tag);
        Assert.False(DicomDictionary.Default.TryGetTag("NoSuchKeyword", out _));
    }

    [Fact]
    public void TryGetEntry_PrivateTag_NotFound()
    {
        Assert.False(DicomDictionary.Default.TryGetEntry(new DicomTag(0x6001, 0x3000), out _));
        Assert.True(DicomDictionary.Default.Count > 4000);
    }
}
