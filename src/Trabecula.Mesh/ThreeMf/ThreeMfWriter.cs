using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Xml;

namespace Trabecula.Mesh.ThreeMf;

/// <summary>
/// Writes a <see cref="Mesh"/> as a 3MF package: content types, the start part relationship and
/// <c>3D/3dmodel.model</c> with one object, one build item, the unit and metadata.
/// </summary>
public static class ThreeMfWriter
{
    /// <summary>Writes the package to <paramref name="stream"/>; numbers are invariant and round-trippable.</summary>
    public static void Write(Stream stream, Mesh mesh, IEnumerable<KeyValuePair<string, string>>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(mesh);
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        WriteText(archive, "[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
              <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" />
              <Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml" />
            </Types>
            """);
        WriteText(archive, "_rels/.rels", $"""
            <?xml version="1.0" encoding="UTF-8"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
              <Relationship Target="/3D/3dmodel.model" Id="rel0" Type="{ThreeMfReader.ModelRelationshipType}" />
            </Relationships>
            """);

        using var part = archive.CreateEntry("3D/3dmodel.model", CompressionLevel.Optimal).Open();
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, CloseOutput = false };
        using var xml = XmlWriter.Create(part, settings);
        const string Ns = ThreeMfReader.CoreNamespace;
        xml.WriteStartDocument();
        xml.WriteStartElement("model", Ns);
        xml.WriteAttributeString("unit", mesh.Unit.ToFileName());
        xml.WriteAttributeString("xml", "lang", null, "en-US");
        foreach (var (name, value) in metadata ?? [])
        {
            xml.WriteStartElement("metadata", Ns);
            xml.WriteAttributeString("name", name);
            xml.WriteString(value);
            xml.WriteEndElement();
        }

        xml.WriteStartElement("resources", Ns);
        xml.WriteStartElement("object", Ns);
        xml.WriteAttributeString("id", "1");
        xml.WriteAttributeString("type", "model");
        xml.WriteStartElement("mesh", Ns);
        xml.WriteStartElement("vertices", Ns);
        foreach (var v in mesh.Vertices)
        {
            xml.WriteStartElement("vertex", Ns);
            xml.WriteAttributeString("x", v.X.ToString("R", CultureInfo.InvariantCulture));
            xml.WriteAttributeString("y", v.Y.ToString("R", CultureInfo.InvariantCulture));
            xml.WriteAttributeString("z", v.Z.ToString("R", CultureInfo.InvariantCulture));
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteStartElement("triangles", Ns);
        var indices = mesh.Indices;
        for (var t = 0; t < mesh.TriangleCount; t++)
        {
            xml.WriteStartElement("triangle", Ns);
            xml.WriteAttributeString("v1", indices[3 * t].ToString(CultureInfo.InvariantCulture));
            xml.WriteAttributeString("v2", indices[(3 * t) + 1].ToString(CultureInfo.InvariantCulture));
            xml.WriteAttributeString("v3", indices[(3 * t) + 2].ToString(CultureInfo.InvariantCulture));
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteStartElement("build", Ns);
        xml.WriteStartElement("item", Ns);
        xml.WriteAttributeString("objectid", "1");
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    private static void WriteText(ZipArchive archive, string name, string text)
    {
        using var entry = archive.CreateEntry(name, CompressionLevel.Optimal).Open();
        entry.Write(Encoding.UTF8.GetBytes(text));
    }
}
