using Trabecula.Dicom.Tests.TestSupport;

namespace Trabecula.Dicom.Tests.IO.Reading;

[Collection(CtSeriesDefinition.Name)]
public sealed class DicomFileReadTests(CtSeriesFixture fixture)
{
    private static readonly DicomTag Rows = new(0x0028, 0x0010);
    private static readonly DicomTag ImagePositionPatient = new(0x0020, 0x0032);
    private static readonly DicomTag RequestAttributesSequence = new(0x0040, 0x0275);
    private static readonly DicomTag AccessionNumber = new(0x0008, 0x0050);

    public static TheoryData<string> Encodings => new() { "First", "Implicit", "BigEndian", "Deflated", "UndefinedLengths", "Rle", "Jpeg" };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Open_DcmtkEncodings_ReadSameAttributes(string which)
    {
        var file = DicomFile.Open(Path(which));
        var ds = file.Dataset;

        Assert.Equal("Doe^John^Q", ds.GetString(DicomTag.PatientName));
        Assert.True(ds.TryGetDouble(Rows, 0, out var rows));
        Assert.Equal(64, rows);
        Assert.Equal(3, ds.GetStrings(ImagePositionPatient).Count);
        var request = Assert.Single(ds.GetSequence(RequestAttributesSequence)!.Items);
        Assert.StartsWith("ACC", request.GetString(AccessionNumber), StringComparison.Ordinal);
        Assert.Equal("GEMS_IDEN_01", ds.GetPrivateCreator(new DicomTag(0x0009, 0x1001)));
        Assert.False(file.IsPartial);
    }

    [Theory]
    [InlineData("First", "1.2.840.10008.1.2.1")]
    [InlineData("Implicit", "1.2.840.10008.1.2")]
    [InlineData("BigEndian", "1.2.840.10008.1.2.2")]
    [InlineData("Deflated", "1.2.840.10008.1.2.1.99")]
    [InlineData("Rle", "1.2.840.10008.1.2.5")]
    public void Open_KnownSyntax_ReportsTransferSyntax(string which, string uid)
    {
        Assert.Equal(uid, DicomFile.Open(Path(which)).TransferSyntax.Uid);
    }

    [Fact]
    public void Open_NativePixelData_KeepsWholeValue()
    {
        var pixels = DicomFile.Open(fixture.First).Dataset[DicomTag.PixelData]!;

        Assert.Equal(DicomVR.OW, pixels.VR);
        Assert.Equal(64 * 64 * 2, pixels.Value.Length);
    }

    [Fact]
    public void Open_BigEndian_PixelDataSwappedToLittleEndian()
    {
        var little = DicomFile.Open(fixture.First).Dataset[DicomTag.PixelData]!.Value.ToArray();
        var big = DicomFile.Open(fixture.BigEndian).Dataset[DicomTag.PixelData]!.Value.ToArray();

        Assert.Equal(little, big);
    }

    [Theory]
    [InlineData("Rle")]
    [InlineData("Jpeg")]
    public void Open_Encapsulated_KeepsOffsetTableAndFragments(string which)
    {
        var pixels = Assert.IsType<DicomFragmentSequence>(DicomFile.Open(Path(which)).Dataset[DicomTag.PixelData]);

        Assert.NotEmpty(pixels.Fragments);
        Assert.All(pixels.Fragments, f => Assert.True(f.Length > 0));
    }

    [Fact]
    public void Read_LentArrays_HoldLargeValuesOnly()
    {
        var pixels = new byte[300_000];
        new Random(7).NextBytes(pixels);
        var ds = new DicomBytes().Text(0x0010, 0x0010, "PN", "Doe^Jo").Element(0x7FE0, 0x0010, "OW", pixels).ToArray();
        var lent = new List<(int Asked, byte[] Array)>();

        var file = DicomFile.Read(new MemoryStream(DicomBytes.Part10(ds, "1.2.840.10008.1.2.1")), null, length =>
        {
            var array = new byte[length + 100]; // a pool hands out longer arrays
            lent.Add((length, array));
            return array;
        });

        var (asked, array) = Assert.Single(lent);
        Assert.Equal(pixels.Length, asked);
        var value = file.Dataset[DicomTag.PixelData]!.Value;
        Assert.Equal(pixels.Length, value.Length);
        Assert.True(value.Span.SequenceEqual(pixels));
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray<byte>(value, out var segment) && ReferenceEquals(segment.Array, array));
        Assert.Equal("Doe^Jo", file.Dataset.GetString(DicomTag.PatientName));
    }

    [Fact]
    public void Read_LentArrays_TruncatedValueFailsBeforeAsking()
    {
        var ds = new DicomBytes().Header(0x7FE0, 0x0010, "OW", 1_000_000).Raw(new byte[200_000]).ToArray();
        var asked = 0;

        var ex = Assert.Throws<DicomFormatException>(() =>
            DicomFile.Read(new MemoryStream(DicomBytes.Part10(ds, "1.2.840.10008.1.2.1")), null, length => { asked++; return new byte[length]; }));

        Assert.Contains("exceeds", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, asked);
    }

    [Fact]
    public void Open_HeaderOnly_StopsBeforePixelData()
    {
        var file = DicomFile.Open(fixture.First, DicomReadOptions.HeaderOnly);

        Assert.True(file.IsPartial);
        Assert.False(file.Dataset.Contains(DicomTag.PixelData));
        Assert.Equal("Doe^John^Q", file.Dataset.GetString(DicomTag.PatientName));
    }

    [Fact]
    public void Read_NonSeekableStream_ReadsSameDataset()
    {
        var bytes = File.ReadAllBytes(fixture.Deflated);
        using var stream = new NonSeekableStream(bytes);

        var file = DicomFile.Read(stream);

        Assert.Equal("Doe^John^Q", file.Dataset.GetString(DicomTag.PatientName));
        Assert.Equal(64 * 64 * 2, file.Dataset[DicomTag.PixelData]!.Value.Length);
    }

    [Theory]
    [InlineData("First")]
    [InlineData("Implicit")]
    [InlineData("BigEndian")]
    public void Read_BareDatasetWithoutMeta_DetectsEncoding(string which)
    {
        var file = DicomFile.Open(Path(which));
        // Strip preamble and meta: (0002,0000) at offset 132 gives the meta group's length.
        var bytes = File.ReadAllBytes(Path(which));
        var metaLength = 132 + 12 + (int)BitConverter.ToUInt32(bytes, 140);
        using var bare = new MemoryStream(bytes, metaLength, bytes.Length - metaLength);

        var read = DicomFile.Read(bare);

        Assert.False(read.HadFileMetaInformation);
        Assert.Equal(file.TransferSyntax.IsExplicitVR, read.TransferSyntax.IsExplicitVR);
        Assert.Equal(file.TransferSyntax.IsBigEndian, read.TransferSyntax.IsBigEndian);
        Assert.Equal("Doe^John^Q", read.Dataset.GetString(DicomTag.PatientName));
    }

    private string Path(string which) => which switch
    {
        "First" => fixture.First,
        "Implicit" => fixture.Implicit,
        "BigEndian" => fixture.BigEndian,
        "Deflated" => fixture.Deflated,
        "UndefinedLengths" => fixture.UndefinedLengths,
        "Rle" => fixture.Rle,
        "Jpeg" => fixture.Jpeg,
        _ => throw new ArgumentOutOfRangeException(nameof(which)),
    };
}
