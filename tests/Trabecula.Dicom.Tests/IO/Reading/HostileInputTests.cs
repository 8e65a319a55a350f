using System.IO.Compression;
using Trabecula.Dicom.Tests.TestSupport;

namespace Trabecula.Dicom.Tests.IO.Reading;

/// <summary>SECURITY-TESTPLAN UP-03 (DICOM bomb) and UP-04 (malformed DICOM).</summary>
[Collection(CtSeriesDefinition.Name)]
public sealed class HostileInputTests(CtSeriesFixture fixture)
{
    private const string ExplicitLE = "1.2.840.10008.1.2.1";
    private const long AllocationCap = 8L << 20;

    [Fact]
    [Trait("TestPlan", "UP-04")]
    public void Read_TruncatedAtAnyOffset_ThrowsOnlyDicomFormatException()
    {
        var bytes = File.ReadAllBytes(fixture.First);
        var offsets = Enumerable.Range(0, Math.Min(bytes.Length, 2500)).Concat(Enumerable.Range(0, bytes.Length).Where(i => i % 97 == 0));
        var failures = 0;
        foreach (var length in offsets.Distinct())
        {
            try
            {
                DicomFile.Read(new MemoryStream(bytes, 0, length));
            }
            catch (DicomFormatException ex)
            {
                Assert.True(ex.Offset >= 0, "the exception carries an offset");
                failures++;
            }
        }

        // Cuts that fall exactly between top-level elements leave a shorter valid data set.
        Assert.True(failures > 2000, $"only {failures} truncations were rejected");
    }

    [Theory]
    [Trait("TestPlan", "UP-04")]
    [InlineData("First")]
    [InlineData("Implicit")]
    [InlineData("BigEndian")]
    [InlineData("Deflated")]
    [InlineData("UndefinedLengths")]
    [InlineData("Jpeg")]
    public void Read_RandomByteMutations_ThrowOnlyDicomFormatException(string which)
    {
        // zzuf-style: flip about one byte in a thousand, in the header region most of the time.
        var original = File.ReadAllBytes(which switch
        {
            "First" => fixture.First,
            "Implicit" => fixture.Implicit,
            "BigEndian" => fixture.BigEndian,
            "Deflated" => fixture.Deflated,
            "UndefinedLengths" => fixture.UndefinedLengths,
            _ => fixture.Jpeg,
        });
        var random = new Random(which.Length * 7919);
        for (var run = 0; run < 300; run++)
        {
            var bytes = (byte[])original.Clone();
            var region = run % 4 == 0 ? bytes.Length : Math.Min(bytes.Length, 3000);
            for (var n = 0; n < 1 + (region / 1000); n++)
            {
                bytes[random.Next(region)] = (byte)random.Next(256);
            }

            try
            {
                var file = DicomFile.Read(new MemoryStream(bytes));
                _ = Trabecula.Dicom.Json.DicomJsonWriter.ToJson(file.Dataset);
                DicomFileWriter.Write(file, Stream.Null);
            }
            catch (DicomFormatException)
            {
            }
            catch (InvalidOperationException ex) when (ex.Message.Contains("Pixel data", StringComparison.Ordinal))
            {
                // A mutated transfer syntax UID can make native pixel data meet an encapsulated syntax.
            }
        }
    }

    [Fact]
    [Trait("TestPlan", "UP-04")]
    public void Read_TruncatedDeflated_ThrowsOnlyDicomFormatException()
    {
        // DeflateStream ends quietly on truncated input, so a cut that inflates to whole elements
        // reads as a shorter data set, like a cut between elements of an uncompressed file.
        var bytes = File.ReadAllBytes(fixture.Deflated);
        var rejected = 0;
        var cuts = 0;
        for (var length = 200; length < bytes.Length; length += 53, cuts++)
        {
            try
            {
                DicomFile.Read(new MemoryStream(bytes, 0, length));
            }
            catch (DicomFormatException)
            {
                rejected++;
            }
        }

        Assert.True(rejected > cuts * 9 / 10, $"only {rejected} of {cuts} truncations were rejected");
    }

    [Theory]
    [Trait("TestPlan", "UP-03")]
    [InlineData("UT")]
    [InlineData("UC")]
    [InlineData("OF")]
    public void Read_UndefinedLengthOnDefinedLengthVR_Throws(string vr)
    {
        var ds = new DicomBytes().Header(0x0011, 0x1001, vr, 0xFFFFFFFF).Raw(new byte[16]).ToArray();

        var ex = Assert.Throws<DicomFormatException>(() => DicomFile.Read(new MemoryStream(DicomBytes.Part10(ds, ExplicitLE))));

        Assert.Equal("(0011,1001)", ex.Path);
    }

    [Fact]
    [Trait("TestPlan", "UP-03")]
    public void Read_ImplicitUndefinedLengthOnString_Throws()
    {
        var ds = new DicomBytes(explicitVr: false).Header(0x0010, 0x0010, "PN", 0xFFFFFFFF).Raw(new byte[16]).ToArray();

        Assert.Throws<DicomFormatException>(() => DicomFile.Read(new MemoryStream(ds)));
    }

    [Theory]
    [Trait("TestPlan", "UP-03")]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_HugeDeclaredLength_ThrowsWithBoundedAllocation(bool seekable)
    {
        var ds = new DicomBytes().Header(0x7FE0, 0x0010, "OB", 0xFFFFFFF0).Raw(new byte[1000]).ToArray();
        var bytes = DicomBytes.Part10(ds, ExplicitLE);

        var allocated = Allocation(() =>
        {
            using Stream stream = seekable ? new MemoryStream(bytes) : new NonSeekableStream(bytes);
            Assert.Throws<DicomFormatException>(() => DicomFile.Read(stream));
        });

        Assert.True(allocated < AllocationCap, $"allocated {allocated} bytes");
    }

    [Fact]
    [Trait("TestPlan", "UP-03")]
    public void Read_TenThousandNestedSequences_ThrowsAtDepthLimit()
    {
        var builder = new DicomBytes();
        for (var i = 0; i < 10_000; i++)
        {
            builder.Header(0x0040, 0x0275, "SQ", 0xFFFFFFFF).Item();
        }

        var bytes = DicomBytes.Part10(builder.ToArray(), ExplicitLE);
        DicomFormatException? ex = null;

        var allocated = Allocation(() => ex = Assert.Throws<DicomFormatException>(() => DicomFile.Read(new MemoryStream(bytes))));

        Assert.Contains("deeper than 64", ex!.Message, StringComparison.Ordinal);
        Assert.StartsWith("(0040,0275)[0]/(0040,0275)[0]/", ex.Path, StringComparison.Ordinal);
        Assert.True(allocated < AllocationCap, $"allocated {allocated} bytes");
    }

    [Fact]
    [Trait("TestPlan", "UP-03")]
    public void Read_DeflateBomb_ThrowsWithBoundedAllocation()
    {
        const uint declared = 256u << 20;
        using var compressed = new MemoryStream();
        using (var deflate = new DeflateStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write(new DicomBytes().Header(0x7FE0, 0x0010, "OB", declared).ToArray());
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 256; i++)
            {
                deflate.Write(zeros);
            }
        }

        var bytes = DicomBytes.Part10(compressed.ToArray(), "1.2.840.10008.1.2.1.99");
        DicomFormatException? ex = null;

        var allocated = Allocation(() => ex = Assert.Throws<DicomFormatException>(() => DicomFile.Read(new MemoryStream(bytes))));

        Assert.Contains("deflate bomb", ex!.Message, StringComparison.Ordinal);
        Assert.True(allocated < 4 * AllocationCap, $"allocated {allocated} bytes for a {bytes.Length}-byte input");
    }

    [Fact]
    [Trait("TestPlan", "UP-03")]
    public void Read_ElementCountLimit_Throws()
    {
        var builder = new DicomBytes();
        for (ushort i = 0; i < 200; i++)
        {
            builder.Text(0x0011, (ushort)(0x1000 + i), "SH", "AB");
        }

        var bytes = DicomBytes.Part10(builder.ToArray(), ExplicitLE);

        Assert.Throws<DicomFormatException>(() => DicomFile.Read(new MemoryStream(bytes), new DicomReadOptions { MaxElementCount = 100 }));
    }

    [Fact]
    [Trait("TestPlan", "UP-04")]
    public void Read_GarbageVR_Throws()
    {
        var ds = new DicomBytes().Tag(0x0010, 0x0010).Raw("zz"u8).UInt16(2).Raw("AB"u8).ToArray();

        var ex = Assert.Throws<DicomFormatException>(() => DicomFile.Read(new MemoryStream(DicomBytes.Part10(ds, ExplicitLE))));

        Assert.Contains("Invalid VR", ex.Message, StringComparison.Ordinal);
    }

    private static long Allocation(Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
