using System.Numerics;
using Trabecula.Mesh.Xml;

namespace Trabecula.Mesh.Amf;

/// <summary>
/// Reads AMF (ISO/ASTM 52915), plain or zip-compressed: unit, metadata, objects with their mesh
/// vertices and volumes' triangles. Materials, textures and constellations are skipped. The XML is
/// read with DTDs prohibited, no resolver, and the bounds of <see cref="MeshReadLimits"/>.
/// </summary>
public static class AmfReader
{
    /// <summary>Reads the AMF file at <paramref name="path"/>.</summary>
    public static AmfDocument Read(string path, MeshReadLimits? limits = null)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, limits);
    }

    /// <summary>Reads AMF from <paramref name="stream"/>; a zip container holding one .amf entry is opened.</summary>
    /// <exception cref="MeshFormatException">The data is not well-formed AMF or exceeds the limits.</exception>
    public static AmfDocument Read(Stream stream, MeshReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        limits ??= MeshReadLimits.Default;
        var (head, whole) = StreamHead.Peek(stream, 4);
        if (!BoundedZip.IsZip(head))
        {
            return ReadXml(whole, limits);
        }

        using var seekable = whole.CanSeek ? null : StreamHead.Buffer(whole, limits.MaxInflatedBytes);
        using var archive = BoundedZip.Open(seekable ?? whole, limits);
        var entries = archive.Entries.Where(e => !e.FullName.EndsWith('/')).ToList();
        if (entries.Count != 1)
        {
            throw new MeshFormatException(FormattableString.Invariant($"Compressed AMF must hold exactly one file, found {entries.Count}."));
        }

        using var entry = BoundedZip.OpenEntry(entries[0], limits);
        return ReadXml(entry, limits);
    }

    private static AmfDocument ReadXml(Stream stream, MeshReadLimits limits)
    {
        using var xml = new XmlMeshReader(stream, limits);
        if (xml.Root() != "amf")
        {
            throw xml.Error("Root element is '" + xml.LocalName + "', not 'amf'.");
        }

        var unitName = xml.Attribute("unit");
        var unit = LengthUnit.Millimeter;
        if (unitName is not null && !LengthUnits.TryParse(unitName, out unit))
        {
            throw xml.Error("Unknown AMF unit '" + unitName + "'.");
        }

        var metadata = new List<KeyValuePair<string, string>>();
        var objects = new List<AmfObject>();
        foreach (var child in xml.Children())
        {
            switch (child)
            {
                case "metadata":
                    metadata.Add(ReadMetadata(xml));
                    break;
                case "object":
                    objects.Add(ReadObject(xml, unit));
                    break;
                default:
                    xml.Skip();
                    break;
            }
        }

        return new AmfDocument(unit, metadata, objects);
    }

    private static KeyValuePair<string, string> ReadMetadata(XmlMeshReader xml)
    {
        var type = xml.Attribute("type") ?? string.Empty;
        return new(type, xml.Text());
    }

    private static AmfObject ReadObject(XmlMeshReader xml, LengthUnit unit)
    {
        var id = xml.Attribute("id") ?? throw xml.Error("AMF object without 'id'.");
        var metadata = new List<KeyValuePair<string, string>>();
        var builder = new MeshBuilder(unit);
        var sawMesh = false;
        foreach (var child in xml.Children())
        {
            switch (child)
            {
                case "metadata":
                    metadata.Add(ReadMetadata(xml));
                    break;
                case "mesh" when !sawMesh:
                    sawMesh = true;
                    ReadMesh(xml, builder);
                    break;
                case "mesh":
                    throw xml.Error("AMF object '" + id + "' has more than one mesh.");
                default:
                    xml.Skip();
                    break;
            }
        }

        return new AmfObject(id, metadata, builder.Build());
    }

    private static void ReadMesh(XmlMeshReader xml, MeshBuilder builder)
    {
        var welded = new List<int>();
        var sawVertices = false;
        foreach (var child in xml.Children())
        {
            switch (child)
            {
                case "vertices" when !sawVertices:
                    sawVertices = true;
                    foreach (var vertex in xml.Children())
                    {
                        if (vertex == "vertex")
                        {
                            welded.Add(builder.AddVertex(ReadVertex(xml)));
                        }
                        else
                        {
                            xml.Skip();
                        }
                    }

                    break;
                case "vertices":
                    throw xml.Error("AMF mesh has more than one 'vertices' element.");
                case "volume":
                    foreach (var triangle in xml.Children())
                    {
                        if (triangle == "triangle")
                        {
                            ReadTriangle(xml, builder, welded);
                        }
                        else
                        {
                            xml.Skip();
                        }
                    }

                    break;
                default:
                    xml.Skip();
                    break;
            }
        }
    }

    private static Vector3 ReadVertex(XmlMeshReader xml)
    {
        Vector3? coordinates = null;
        foreach (var child in xml.Children())
        {
            if (child != "coordinates")
            {
                xml.Skip();
                continue;
            }

            float? x = null, y = null, z = null;
            foreach (var axis in xml.Children())
            {
                switch (axis)
                {
                    case "x": x = xml.Number(xml.Text(), "x"); break;
                    case "y": y = xml.Number(xml.Text(), "y"); break;
                    case "z": z = xml.Number(xml.Text(), "z"); break;
                    default: xml.Skip(); break;
                }
            }

            if (x is null || y is null || z is null)
            {
                throw xml.Error("AMF coordinates need x, y and z.");
            }

            coordinates = new Vector3(x.Value, y.Value, z.Value);
        }

        return coordinates ?? throw xml.Error("AMF vertex without coordinates.");
    }

    private static void ReadTriangle(XmlMeshReader xml, MeshBuilder builder, List<int> welded)
    {
        int? v1 = null, v2 = null, v3 = null;
        foreach (var child in xml.Children())
        {
            switch (child)
            {
                case "v1": v1 = Resolve(xml, welded, "v1"); break;
                case "v2": v2 = Resolve(xml, welded, "v2"); break;
                case "v3": v3 = Resolve(xml, welded, "v3"); break;
                default: xml.Skip(); break;
            }
        }

        if (v1 is null || v2 is null || v3 is null)
        {
            throw xml.Error("AMF triangle needs v1, v2 and v3.");
        }

        builder.AddIndexedTriangle(v1.Value, v2.Value, v3.Value);
    }

    private static int Resolve(XmlMeshReader xml, List<int> welded, string what)
    {
        var line = xml.Line;
        var index = xml.Index(xml.Text(), what);
        if (index >= welded.Count)
        {
            throw new MeshFormatException(
                FormattableString.Invariant($"AMF triangle {what} = {index} is out of range: the mesh has {welded.Count} vertices."),
                -1,
                line);
        }

        return welded[index];
    }
}
