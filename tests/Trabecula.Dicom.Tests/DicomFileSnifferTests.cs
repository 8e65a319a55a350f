using System.Text;

namespace Trabecula.Dicom.Tests;

public sealed class DicomFileSnifferTests
{
    [Fact]
    [Trait("TestPlan", "UP-05")]
    public async Task IsPart10Async_PreambleAndPrefix_ReturnsTrue()
    {
        var bytes = new byte[200];
        "DICM"u8.CopyTo(bytes.AsSpan(128));

        Assert.True(await DicomFileSniffer.IsPart10Async(new MemoryStream(bytes)));
    }

    [Theory]
    [Trait("TestPlan", "UP-05")]
    [InlineData("MZ\u0090\0 renamed executable")]
    [InlineData("<html><script>alert(1)</script></html>")]
    [InlineData("")]
    public async Task IsPart10Async_OtherContent_ReturnsFalse(string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content.PadRight(300));

        Assert.False(await DicomFileSniffer.IsPart10Async(new MemoryStream(bytes)));
    }

    [Fact]
    public void IsPart10_TruncatedHeader_ReturnsFalse()
    {
        var bytes = new byte[131];

        Assert.False(DicomFileSniffer.IsPart10(bytes));
    }
}
