namespace Trabecula.Dicom.Tests;

public sealed class DicomTagTests
{
    [Theory]
    [InlineData("(0010,0010)", 0x0010, 0x0010)]
    [InlineData("0010,0020", 0x0010, 0x0020)]
    [InlineData("7fe00010", 0x7FE0, 0x0010)]
    [InlineData(" (FFFE,E000) ", 0xFFFE, 0xE000)]
    public void Parse_AcceptedForms_ReturnGroupAndElement(string text, int group, int element)
    {
        var tag = DicomTag.Parse(text);

        Assert.Equal((ushort)group, tag.Group);
        Assert.Equal((ushort)element, tag.Element);
    }

    [Theory]
    [InlineData("")]
    [InlineData("(0010)")]
    [InlineData("(001G,0010)")]
    [InlineData("(00100,0010)")]
    [InlineData("0010-0010")]
    public void TryParse_Malformed_ReturnsFalse(string text)
    {
        Assert.False(DicomTag.TryParse(text, out _));
        Assert.Throws<FormatException>(() => DicomTag.Parse(text));
    }

    [Fact]
    public void ToString_RoundTripsThroughParse()
    {
        var tag = new DicomTag(0x0029, 0x1010);

        Assert.Equal("(0029,1010)", tag.ToString());
        Assert.Equal(tag, DicomTag.Parse(tag.ToString()));
    }

    [Fact]
    public void Ordering_FollowsTagValue()
    {
        DicomTag[] tags = [DicomTag.PixelData, DicomTag.PatientName, DicomTag.TransferSyntaxUid, DicomTag.SpecificCharacterSet];

        Array.Sort(tags);

        Assert.Equal([DicomTag.TransferSyntaxUid, DicomTag.SpecificCharacterSet, DicomTag.PatientName, DicomTag.PixelData], tags);
    }

    [Theory]
    [InlineData(0x0029, 0x0010, true, true)]
    [InlineData(0x0029, 0x1010, true, false)]
    [InlineData(0x0010, 0x0010, false, false)]
    [InlineData(0x0001, 0x0010, false, false)]
    public void Private_FollowsOddGroupRule(int group, int element, bool isPrivate, bool isCreator)
    {
        var tag = new DicomTag((ushort)group, (ushort)element);

        Assert.Equal(isPrivate, tag.IsPrivate);
        Assert.Equal(isCreator, tag.IsPrivateCreator);
    }
}
