using System.Globalization;
using Trabecula.Dicom.Tests.TestSupport;
using Trabecula.Dicom.Text;

namespace Trabecula.Dicom.Tests.Text;

/// <summary>
/// Character sets (PS3.5 section 6.1, PS3.3 C.12.1.1.2). The ISO 2022 cases are the examples of
/// PS3.5 annex H (Japanese), I (Korean) and J (Chinese), written as in the standard in column/row
/// notation or as hexadecimal bytes.
/// </summary>
[Collection(CtSeriesDefinition.Name)]
public sealed class DicomCharacterSetTests(CtSeriesFixture fixture)
{
    [Theory]
    [InlineData("ISO_IR 100", "Buc^Jérôme", "4275635E4AE972F46D65")]
    [InlineData("ISO_IR 101", "Wałęsa", "5761B3EA7361")]
    [InlineData("ISO_IR 109", "Ġużeppi", "D575BF65707069")]
    [InlineData("ISO_IR 110", "Ķēniņš", "D3BA6E69F1B9")]
    [InlineData("ISO_IR 144", "Люкceмбypг", "BBEEDA6365DCD17970D3")]
    [InlineData("ISO_IR 127", "قباني^لنزار", "E2C8C7E6EA5EE4E6D2C7D1")]
    [InlineData("ISO_IR 126", "Διονυσιος", "C4E9EFEDF5F3E9EFF2")]
    [InlineData("ISO_IR 138", "שרון^דבורה", "F9F8E5EF5EE3E1E5F8E4")]
    [InlineData("ISO_IR 148", "Çavuşoğlu", "C7617675FE6FF06C75")]
    [InlineData("ISO_IR 166", "นามสกุล", "B9D2C1CAA1D8C5")]
    [InlineData("ISO_IR 13", "ﾔﾏﾀﾞ^ﾀﾛｳ", "D4CFC0DE5EC0DBB3")]
    [InlineData("ISO_IR 203", "Œuvre€", "BC75767265A4")]
    [InlineData("ISO_IR 192", "Wang^XiaoDong=王^小东=", "57616E675E5869616F446F6E673DE78E8B5EE5B08FE4B89C3D")]
    [InlineData("GB18030", "Wang^XiaoDong=王^小东=", "57616E675E5869616F446F6E673DCDF55ED0A1B6AB3D")]
    [InlineData("GBK", "王^小东", "CDF55ED0A1B6AB")]
    public void Decode_SingleCharacterSet_ReturnsText(string term, string expected, string hex)
    {
        var set = DicomCharacterSet.FromTerms([term]);

        Assert.Equal(expected, set.Decode(Convert.FromHexString(hex), DicomVR.PN));
    }

    [Fact]
    public void Decode_AnnexH31JapaneseIr87_ReturnsKanjiAndHiragana()
    {
        // PS3.5 H.3.1: Specific Character Set "\ISO 2022 IR 87".
        var bytes = FromColumnRow(
            "05/09 06/01 06/13 06/01 06/04 06/01 05/14 05/04 06/01 07/02 06/15 07/05 03/13 " +
            "01/11 02/04 04/02 03/11 03/03 04/05 04/04 01/11 02/08 04/02 05/14 01/11 02/04 " +
            "04/02 04/02 04/00 04/15 03/10 01/11 02/08 04/02 03/13 01/11 02/04 04/02 02/04 " +
            "06/04 02/04 05/14 02/04 04/00 01/11 02/08 04/02 05/14 01/11 02/04 04/02 02/04 " +
            "03/15 02/04 06/13 02/04 02/06 01/11 02/08 04/02");
        var set = DicomCharacterSet.FromTerms(["", "ISO 2022 IR 87"]);

        Assert.Equal("Yamada^Tarou=山田^太郎=やまだ^たろう", set.Decode(bytes, DicomVR.PN));
    }

    [Fact]
    public void Decode_AnnexH32JapaneseIr13AndIr87_ReturnsKatakanaKanjiAndHiragana()
    {
        // PS3.5 H.3.2: "ISO 2022 IR 13\ISO 2022 IR 87"; the single-byte part is JIS X 0201 katakana.
        var bytes = Convert.FromHexString(
            "D4CFC0DE5EC0DBB33D" + "1B24423B334544" + "1B284A5E" + "1B244242404F3A" + "1B284A3D"
            + "1B24422464245E2440" + "1B284A5E" + "1B2442243F246D2426" + "1B284A");
        var set = DicomCharacterSet.FromTerms(["ISO 2022 IR 13", "ISO 2022 IR 87"]);

        Assert.Equal("ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう", set.Decode(bytes, DicomVR.PN));
    }

    [Fact]
    public void Decode_AnnexI2KoreanIr149_ReturnsHanjaAndHangul()
    {
        // PS3.5 I.2: "\ISO 2022 IR 149"; each component re-designates KS X 1001 to G1.
        var bytes = Convert.FromHexString(
            "486F6E675E47696C646F6E673D" + "1B242943FBF3" + "5E" + "1B242943D1CED4D7" + "3D"
            + "1B242943C8AB" + "5E" + "1B242943B1E6B5BF");
        var set = DicomCharacterSet.FromTerms(["", "ISO 2022 IR 149"]);

        Assert.Equal("Hong^Gildong=洪^吉洞=홍^길동", set.Decode(bytes, DicomVR.PN));
    }

    [Fact]
    public void Decode_AnnexJ3ChineseIr58_ReturnsHanzi()
    {
        // PS3.5 J.3: "\ISO 2022 IR 58" (GB 2312 in G1).
        var bytes = Convert.FromHexString("5A68616E675E5869616F446F6E673D" + "1B242941D5C5" + "5E" + "1B242941D0A1B6AB" + "3D");
        var set = DicomCharacterSet.FromTerms(["", "ISO 2022 IR 58"]);

        Assert.Equal("Zhang^XiaoDong=张^小东=", set.Decode(bytes, DicomVR.PN));
    }

    [Fact]
    public void Decode_Iso2022Latin1Escape_SwitchesG1()
    {
        var bytes = Convert.FromHexString("41" + "1B2D41" + "E9" + "5C" + "1B2D4C" + "BB");
        var set = DicomCharacterSet.FromTerms(["ISO 2022 IR 6", "ISO 2022 IR 100", "ISO 2022 IR 144"]);

        Assert.Equal("Aé\\Л", set.Decode(bytes, DicomVR.LO));
    }

    [Fact]
    public void Decode_NonTextVR_IgnoresCharacterSet()
    {
        var set = DicomCharacterSet.FromTerms(["GB18030"]);

        Assert.Equal("1.2.3", set.Decode("1.2.3"u8, DicomVR.UI));
    }

    [Fact]
    public void Open_Gb18030Series_DecodesChinesePatientName()
    {
        var file = DicomFile.Open(Directory.GetFiles(fixture.Gb18030Folder, "*.dcm")[0]);

        Assert.Equal("张^三", file.Dataset.GetString(DicomTag.PatientName));
    }

    [Fact]
    public void AddOrUpdate_Gb18030Dataset_KeepsGb18030()
    {
        var ds = new DicomDataset();
        ds.AddOrUpdate(DicomTag.SpecificCharacterSet, DicomVR.CS, "GB18030");

        ds.AddOrUpdate(DicomTag.PatientName, DicomVR.PN, "李^四");

        Assert.Equal("GB18030", ds.GetString(DicomTag.SpecificCharacterSet));
        Assert.Equal(Convert.FromHexString("C0EE5ECBC4"), ds[DicomTag.PatientName]!.Value.ToArray()[..5]);
        Assert.Equal("李^四", ds.GetString(DicomTag.PatientName));
    }

    [Fact]
    public void AddOrUpdate_TextOutsideLatin1_MovesDatasetToUtf8()
    {
        var ds = new DicomDataset();
        ds.AddOrUpdate(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 100");
        ds.AddOrUpdate(new DicomTag(0x0008, 0x0080), DicomVR.LO, "Hôpital");

        ds.AddOrUpdate(DicomTag.PatientName, DicomVR.PN, "张^三");

        Assert.Equal("ISO_IR 192", ds.GetString(DicomTag.SpecificCharacterSet));
        Assert.Equal("张^三", ds.GetString(DicomTag.PatientName));
        Assert.Equal("Hôpital", ds.GetString(new DicomTag(0x0008, 0x0080)));
    }

    [Fact]
    public void FromTerms_UnknownTerm_Throws()
    {
        Assert.Throws<NotSupportedException>(() => DicomCharacterSet.FromTerms(["ISO_IR 999"]));
    }

    private static byte[] FromColumnRow(string text) =>
        text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(cr => (byte)((int.Parse(cr[..2], CultureInfo.InvariantCulture) << 4) | int.Parse(cr[3..], CultureInfo.InvariantCulture)))
            .ToArray();
}
