using System.Text;
using System.Text.Json;
using Trabecula.Dicom.Series;

namespace Trabecula.Tools;

/// <summary>
/// The series summaries of `dicom inspect FOLDER --json`, written field by field: the reflection
/// serializer cannot run in the native launcher, and an explicit writer keeps the field names a
/// stable contract for the scripts that read them.
/// </summary>
internal static class SeriesSummaryJson
{
    public static string Serialize(IEnumerable<DicomSeriesSummary> summaries)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var s in summaries)
            {
                Write(json, s);
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter json, DicomSeriesSummary s)
    {
        json.WriteStartObject();
        json.WriteString("seriesInstanceUid", s.SeriesInstanceUid);
        json.WriteString("modality", s.ModalityName);
        json.WriteString("manufacturer", s.ManufacturerName);
        json.WriteString("model", s.Model);
        json.WriteString("deviceSerialNumber", s.SerialNumber);
        json.WriteString("station", s.Station);
        Number(json, "sliceThicknessMm", s.SliceThicknessMm);
        Number(json, "spacingBetweenSlicesMm", s.DeclaredSpacingMm);
        Number(json, "measuredSpacingMm", s.MeasuredSpacingMm);
        if (s.PixelSpacingMm is { } p)
        {
            json.WriteStartArray("pixelSpacingMm");
            json.WriteNumberValue(p.Row);
            json.WriteNumberValue(p.Column);
            json.WriteEndArray();
        }
        else
        {
            json.WriteNull("pixelSpacingMm");
        }

        Number(json, "rows", s.RowCount);
        Number(json, "columns", s.ColumnCount);
        json.WriteNumber("sliceCount", s.SliceCount);
        Number(json, "zExtentMm", s.ZExtentMm);
        json.WriteBoolean("hasGaps", s.HasGaps);
        json.WriteBoolean("hasIrregularSpacing", s.HasIrregularSpacing);
        json.WriteBoolean("hasMixedOrientation", s.HasMixedOrientation);
        json.WriteString("acquisitionDateTime", s.AcquisitionDateTime);
        json.WriteString("bodyPart", s.BodyPart);
        Number(json, "kvp", s.KvpValue);
        json.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void Number(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
