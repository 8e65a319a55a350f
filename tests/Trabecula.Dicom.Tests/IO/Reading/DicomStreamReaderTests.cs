using System.Text;
using Trabecula.Dicom.Tests.TestSupport;

namespace Trabecula.Dicom.Tests.IO.Reading;

public sealed class DicomStreamReaderTests
{
    private const string ExplicitLE = "1.2.840.10008.1.2.1";

    [Fact]
    public void Read_ErrorInsideNestedItem_PathNamesSequenceItemAndElement()
    {
        var ds = new DicomBytes()
            .Header(0x0040, 0x0275, "SQ", 0xFFFFFFFF).Item(20)
            .Header(0x0008, 0x1150, "UI", 40).Raw(new byte[12])
            .ToArray();

        var ex = Assert.Throws<DicomFormatException>(() => DicomFile.Read(new MemoryStream(DicomBytes.Part10(ds, ExplicitLE))));

        Assert.Equal("(0040,0275)[0]/(0008,1150)", ex.Path);
        Assert.True(ex.Offset > 132);
    }

    [Fact]
    public void Read_UndefinedLengthUnknown_ParsedAsImplicitSequence()
    {
        var item = new DicomBytes(explicitVr: false).Text(0x0029, 0x0010, "LO", "ACME").Text(0x0029, 0x1001, "LO", "AB").ToArray();
        var ds = new DicomBytes()
            .Text(0x0029, 0x0010, "LO", "ACME 1.0")
            .Header(0x0029, 0x1010, "UN", 0xFFFFFFFF).Item().Raw(item).ItemEnd().SequenceEnd()
            .ToArray();

        var file = DicomFile.Read(new MemoryStream(DicomBytes.Part10(ds, ExplicitLE)));

        var sequence = Assert.IsType<DicomSequence>(file.Dataset[new DicomTag(0x0029, 0x1010)]);
        var element = Assert.Single(sequence.Items)[new DicomTag(0x0029, 0x1001)]!;
        Assert.Equal(DicomVR.UN, element.VR);
        Assert.Equal("AB"u8.ToArray(), element.Value.ToArray());
        Assert.Equal("ACME 1.0", file.Dataset.GetPrivateCreator(new DicomTag(0x0029, 0x1010)));
    }

    [Fact]
    public void Read_OddLengthValue_Tolerated()
    {
        var ds = new DicomBytes().Text(0x0010, 0x0010, "PN", "Odd").Text(0x0010, 0x0020, "LO", "ID1 ").ToArray();

        var file = DicomFile.Read(new MemoryStream(DicomBytes.Part10(ds, ExplicitLE)));

        Assert.Equal("Odd", file.Dataset.GetString(DicomTag.PatientName));
        Assert.Equal("ID1", file.Dataset.GetString(new DicomTag(0x0010, 0x0020)));
    }

    [Theory]
    [InlineData("OV", 8)]
    [InlineData("SV", 8)]
    [InlineData("UV", 8)]
    [InlineData("OL", 4)]
    [InlineData("OD", 8)]
    [InlineData("OF", 4)]
    [InlineData("UC", 4)]
    [InlineData("UR", 4)]
    [InlineData("UT", 4)]
    [InlineData("FD", 8)]
    [InlineData("AT", 4)]
    public void Read_EveryVR_HeaderLengthAndValueKept(string vr, int size)
    {
        var value = Enumerable.Range(1, size * 2).Select(i => (byte)(i + 0x40)).ToArray();
        var ds = new DicomBytes().Element(0x0011, 0x0010, "LO", "X "u8.ToArray()).Element(0x0011, 0x1001, vr, value).ToArray();

        var element = DicomFile.Read(new MemoryStream(DicomBytes.Part10(ds, ExplicitLE))).Dataset[new DicomTag(0x0011, 0x1001)]!;

        Assert.Equal(vr, element.VR.ToString());
        Assert.Equal(value, element.Value.ToArray());
    }

    [Fact]
    public void GetStrings_MultiValued_SplitAtBackslash()
    {
        var ds = new DicomBytes().Text(0x0008, 0x0008, "CS", "ORIGINAL\\PRIMARY\\AXIAL ").ToArray();

        var file = DicomFile.Read(new MemoryStream(DicomBytes.Part10(ds, ExplicitLE)));

        Assert.Equal(["ORIGINAL", "PRIMARY", "AXIAL"], file.Dataset.GetStrings(new DicomTag(0x0008, 0x0008)));
    }

    [Fact]
    public void Read_ImplicitBareDataset_VRFromDictionaryAndPrivateUnknown()
    {
        var ds = new DicomBytes(explicitVr: false)
            .Text(0x0008, 0x0060, "CS", "CT")
            .Element(0x0028, 0x0010, "US", [0x00, 0x02])
            .Text(0x0029, 0x0010, "LO", "ACME")
            .Element(0x0029, 0x1001, "UN", [1, 2, 3, 4])
            .ToArray();

        var file = DicomFile.Read(new MemoryStream(ds));

        Assert.Equal(DicomTransferSyntax.ImplicitVRLittleEndian, file.TransferSyntax);
        Assert.Equal(DicomVR.US, file.Dataset[new DicomTag(0x0028, 0x0010)]!.VR);
        Assert.Equal(DicomVR.LO, file.Dataset[new DicomTag(0x0029, 0x0010)]!.VR);
        Assert.Equal(DicomVR.UN, file.Dataset[new DicomTag(0x0029, 0x1001)]!.VR);
        Assert.True(file.Dataset.TryGetDouble(new DicomTag(0x0028, 0x0010), 0, out var rows));
        Assert.Equal(512, rows);
    }

    [Fact]
    public void Read_StopPredicate_StopsBeforeRequestedTag()
    {
        var ds = new DicomBytes().Text(0x0008, 0x0060, "CS", "CT").Text(0x0010, 0x0010, "PN", "A^B ").Text(0x0020, 0x0010, "SH", "1 ").ToArray();

        var file = DicomFile.Read(new MemoryStream(DicomBytes.Part10(ds, ExplicitLE)), new DicomReadOptions { StopBefore = t => t.Group >= 0x0010 });

        Assert.True(file.IsPartial);
        Assert.Equal(1, file.Dataset.Count);
    }

    [Fact]
    [Trait("TestPlan", "UP-05")]
    public void Read_HtmlRenamedToDcm_Throws()
    {
        var bytes = Encoding.ASCII.GetBytes("<html><script>alert(1)</script></html>".PadRight(300));

        Assert.Throws<DicomFormatException>(() => DicomFile.Read(new MemoryStream(bytes)));
    }
}
