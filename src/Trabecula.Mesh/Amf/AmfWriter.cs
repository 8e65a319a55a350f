using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;

namespace Trabecula.Mesh.Amf;

/// <summary>Writes a <see cref="Mesh"/> as AMF (one object, one volume) with its unit and metadata.</summary>
public static class AmfWriter
{
    /// <summary>
    /// Writes AMF to <paramref name="stream"/>: plain XML, or a zip holding <c>model.amf</c> when
    /// <paramref name="compress"/> is true. Numbers are written invariant and round-trippable.
    /// </summary>
    public static void Write(Stream stream, Mesh mesh, IEnumerable<KeyValuePair<string, string>>? metadata = null, bool compress = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(mesh);
        if (compress)
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            using var entry = archive.CreateEntry("model.amf", CompressionLevel.Optimal).Open();
            WriteXml(entry, mesh, metadata);
            return;
        }

        WriteXml(stream, mesh, metadata);
    }

    private static void WriteXml(Stream stream, Mesh mesh, IEnumerable<KeyValuePair<string, string>>? metadata)
    {
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, CloseOutput = false };
        using var xml = XmlWriter.Create(stream, settings);
        xml.WriteStartDocument();
        xml.WriteStartElement("amf");
        xml.WriteAttributeString("unit", mesh.Unit.ToFileName());
        xml.WriteAttributeString("version", "1.1");
        foreach (var (type, value) in metadata ?? [])
        {
            xml.WriteStartElement("metadata");
            xml.WriteAttributeString("type", type);
            xml.WriteString(value);
            xml.WriteEndElement();
        }

        xml.WriteStartElement("object");
        xml.WriteAttributeString("id", "0");
        xml.WriteStartElement("mesh");
        xml.WriteStartElement("vertices");
        foreach (var v in mesh.Vertices)
        {
            xml.WriteStartElement("vertex");
            xml.WriteStartElement("coordinates");
            xml.WriteElementString("x", v.X.ToString("R", CultureInfo.InvariantCulture));
            xml.WriteElementString("y", v.Y.ToString("R", CultureInfo.InvariantCulture));
            xml.WriteElementString("z", v.Z.ToString("R", CultureInfo.InvariantCulture));
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteStartElement("volume");
        var indices = mesh.Indices;
        for (var t = 0; t < mesh.TriangleCount; t++)
        {
            xml.WriteStartElement("triangle");
            xml.WriteElementString("v1", indices[3 * t].ToString(CultureInfo.InvariantCulture));
            xml.WriteElementString("v2", indices[(3 * t) + 1].ToString(CultureInfo.InvariantCulture));
            xml.WriteElementString("v3", indices[(3 * t) + 2].ToString(CultureInfo.InvariantCulture));
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndDocument();
    }
}
