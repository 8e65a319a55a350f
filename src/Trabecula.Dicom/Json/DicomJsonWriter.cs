using System.Globalization;
using System.Text.Json;

namespace Trabecula.Dicom.Json;

/// <summary>
/// Writes a data set in the DICOM JSON Model (PS3.18 Annex F): an object keyed by eight uppercase
/// hexadecimal digits, each attribute with "vr" and, when it has one, "Value", "InlineBinary" or
/// "BulkDataURI". Numbers (DS, IS and the binary numeric VRs) are JSON numbers, PN values are
/// objects with Alphabetic, Ideographic and Phonetic groups, sequences are arrays of objects.
/// Pixel data and large binary values are bulk data (see <see cref="DicomJsonOptions"/>).
/// </summary>
public static class DicomJsonWriter
{
    /// <summary>The data set as a JSON string.</summary>
    public static string ToJson(DicomDataset dataset, DicomJsonOptions? options = null)
    {
        using var buffer = new MemoryStream();
        Write(dataset, buffer, options);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the data set as UTF-8 JSON to <paramref name="output"/>.</summary>
    public static void Write(DicomDataset dataset, Stream output, DicomJsonOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(output);
        options ??= new DicomJsonOptions();
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = options.Indented });
        WriteDataset(writer, dataset, options, []);
        writer.Flush();
    }

    private static void WriteDataset(Utf8JsonWriter writer, DicomDataset dataset, DicomJsonOptions options, List<DicomTag> path)
    {
        writer.WriteStartObject();
        foreach (var element in dataset)
        {
            path.Add(element.Tag);
            WriteElement(writer, dataset, element, options, path);
            path.RemoveAt(path.Count - 1);
        }

        writer.WriteEndObject();
    }

    private static void WriteElement(Utf8JsonWriter writer, DicomDataset dataset, DicomElement element, DicomJsonOptions options, List<DicomTag> path)
    {
        var key = element.Tag.Value.ToString("X8", CultureInfo.InvariantCulture);
        var isBulk = element is DicomFragmentSequence || element.Tag == DicomTag.PixelData
            || (IsBinary(element.VR) && element.Value.Length > options.BulkDataThreshold);
        if (isBulk)
        {
            if (options.BulkDataUri is null)
            {
                return;
            }

            writer.WriteStartObject(key);
            writer.WriteString("vr", DicomVRInfo.ToCode(element.VR));
            writer.WriteString("BulkDataURI", options.BulkDataUri(path));
            writer.WriteEndObject();
            return;
        }

        writer.WriteStartObject(key);
        writer.WriteString("vr", DicomVRInfo.ToCode(element is DicomSequence ? DicomVR.SQ : element.VR));
        switch (element)
        {
            case DicomSequence sequence:
                if (sequence.Items.Count > 0)
                {
                    writer.WriteStartArray("Value");
                    foreach (var item in sequence.Items)
                    {
                        WriteDataset(writer, item, options, path);
                    }

                    writer.WriteEndArray();
                }

                break;
            case { Value.IsEmpty: true }:
                break;
            case { VR: DicomVR.OB or DicomVR.OD or DicomVR.OF or DicomVR.OL or DicomVR.OV or DicomVR.OW or DicomVR.UN }:
                writer.WriteBase64String("InlineBinary", element.Value.Span);
                break;
            default:
                WriteValues(writer, dataset, element);
                break;
        }

        writer.WriteEndObject();
    }

    private static void WriteValues(Utf8JsonWriter writer, DicomDataset dataset, DicomElement element)
    {
        writer.WriteStartArray("Value");
        var vr = element.VR;
        if (vr == DicomVR.AT)
        {
            var span = element.Value.Span;
            for (var i = 0; i + 4 <= span.Length; i += 4)
            {
                var group = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(span[i..]);
                var elem = System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(span[(i + 2)..]);
                writer.WriteStringValue(new DicomTag(group, elem).Value.ToString("X8", CultureInfo.InvariantCulture));
            }
        }
        else if (DicomVRInfo.IsString(vr))
        {
            foreach (var value in dataset.GetStrings(element.Tag))
            {
                WriteString(writer, vr, value);
            }
        }
        else
        {
            var count = element.Value.Length / Math.Max(1, DicomVRInfo.SwapUnit(vr));
            for (var i = 0; i < count; i++)
            {
                if (dataset.TryGetDouble(element.Tag, i, out var number))
                {
                    writer.WriteNumberValue(number);
                }
                else
                {
                    writer.WriteNullValue();
                }
            }
        }

        writer.WriteEndArray();
    }

    private static void WriteString(Utf8JsonWriter writer, DicomVR vr, string value)
    {
        if (value.Length == 0)
        {
            writer.WriteNullValue();
            return;
        }

        switch (vr)
        {
            case DicomVR.PN:
                writer.WriteStartObject();
                var groups = value.Split('=');
                string[] names = ["Alphabetic", "Ideographic", "Phonetic"];
                for (var g = 0; g < Math.Min(groups.Length, names.Length); g++)
                {
                    if (groups[g].Length > 0)
                    {
                        writer.WriteString(names[g], groups[g]);
                    }
                }

                writer.WriteEndObject();
                break;
            case DicomVR.IS when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer):
                writer.WriteNumberValue(integer);
                break;
            case DicomVR.DS when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number):
                writer.WriteNumberValue(number);
                break;
            default:
                writer.WriteStringValue(value);
                break;
        }
    }

    private static bool IsBinary(DicomVR vr) => vr is DicomVR.OB or DicomVR.OD or DicomVR.OF or DicomVR.OL
        or DicomVR.OV or DicomVR.OW or DicomVR.UN;
}
