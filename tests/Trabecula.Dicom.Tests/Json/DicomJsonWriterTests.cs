using System.Text.Json;
using Trabecula.Dicom.Json;
using Trabecula.Dicom.Tests.TestSupport;
using Trabecula.Dicom.Text;

namespace Trabecula.Dicom.Tests.Json;

/// <summary>DICOM JSON Model, PS3.18 Annex F.</summary>
[Collection(CtSeriesDefinition.Name)]
public sealed class DicomJsonWriterTests(CtSeriesFixture fixture)
{
    [Fact]
    public void ToJson_CtSlice_StringsNumbersSequencesAndPersonNames()
    {
        var json = JsonDocument.Parse(DicomJsonWriter.ToJson(DicomFile.Open(fixture.First).Dataset)).RootElement;

        Assert.Equal("PN", json.GetProperty("00100010").GetProperty("vr").GetString());
        Assert.Equal("Doe^John^Q", json.GetProperty("00100010").GetProperty("Value")[0].GetProperty("Alphabetic").GetString());
        Assert.Equal(64, json.GetProperty("00280010").GetProperty("Value")[0].GetInt32());
        Assert.Equal(3, json.GetProperty("00200032").GetProperty("Value").GetArrayLength());
        Assert.Equal(JsonValueKind.Number, json.GetProperty("00200032").GetProperty("Value")[2].ValueKind);
        Assert.Equal(["ORIGINAL", "PRIMARY", "AXIAL"], json.GetProperty("00080008").GetProperty("Value").EnumerateArray().Select(v => v.GetString()));
        var request = json.GetProperty("00400275").GetProperty("Value")[0];
        Assert.StartsWith("ACC", request.GetProperty("00080050").GetProperty("Value")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => (byte)i), Convert.FromBase64String(json.GetProperty("00431003").GetProperty("InlineBinary").GetString()!));
    }

    [Fact]
    public void ToJson_PixelData_OmittedOrBulkDataUri()
    {
        var dataset = DicomFile.Open(fixture.First).Dataset;

        var omitted = JsonDocument.Parse(DicomJsonWriter.ToJson(dataset)).RootElement;
        var referenced = JsonDocument.Parse(DicomJsonWriter.ToJson(dataset, new DicomJsonOptions
        {
            BulkDataUri = path => "bulk/" + string.Join('/', path.Select(t => t.Value.ToString("X8", System.Globalization.CultureInfo.InvariantCulture))),
        })).RootElement;

        Assert.False(omitted.TryGetProperty("7FE00010", out _));
        Assert.Equal("bulk/7FE00010", referenced.GetProperty("7FE00010").GetProperty("BulkDataURI").GetString());
        Assert.Equal("OW", referenced.GetProperty("7FE00010").GetProperty("vr").GetString());
    }

    [Fact]
    public void ToJson_EmptyValue_HasVrWithoutValue()
    {
        var ds = new DicomDataset();
        ds.AddOrUpdate(new DicomElement(new DicomTag(0x0008, 0x0090), DicomVR.PN, ReadOnlyMemory<byte>.Empty));
        ds.AddOrUpdate(new DicomSequence(new DicomTag(0x0008, 0x1110)));

        var json = JsonDocument.Parse(DicomJsonWriter.ToJson(ds)).RootElement;

        Assert.Equal("""{"vr":"PN"}""", json.GetProperty("00080090").GetRawText());
        Assert.Equal("""{"vr":"SQ"}""", json.GetProperty("00081110").GetRawText());
    }

    [Fact]
    public void ToJson_JapanesePersonName_ThreeComponentGroups()
    {
        var ds = new DicomDataset();
        ds.AddOrUpdate(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192");
        ds.AddOrUpdate(DicomTag.PatientName, DicomVR.PN, "Yamada^Tarou=山田^太郎=やまだ^たろう");

        var name = JsonDocument.Parse(DicomJsonWriter.ToJson(ds)).RootElement.GetProperty("00100010").GetProperty("Value")[0];

        Assert.Equal("Yamada^Tarou", name.GetProperty("Alphabetic").GetString());
        Assert.Equal("山田^太郎", name.GetProperty("Ideographic").GetString());
        Assert.Equal("やまだ^たろう", name.GetProperty("Phonetic").GetString());
        Assert.True(DicomCharacterSet.FromTerms(["ISO_IR 192"]).IsUnicodeOrGb);
    }
}
