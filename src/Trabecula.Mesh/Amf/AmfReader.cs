using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Trabecula.Mesh.Xml;

namespace Trabecula.Mesh.Amf;

/// <summary>
/// Reads AMF (ISO/ASTM 52915), plain or zip-compressed: unit, metadata, objects with their mesh
/// vertices and volumes' triangles. Materials, textures and constellations are skipped. The XML is
/// read with DTDs prohibited (no entity can be declared or fetched) and the bounds of <see cref="MeshReadLimits"/>.
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
        // Utf8XmlScanner, not XmlReader: an AMF file is almost all markup around numbers, and
        // parsing them from the bytes is what makes reading AMF fast (docs/performance.md).
        var xml = Utf8XmlScanner.Create(stream, limits);
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
        var depth = xml.Depth;
        while (xml.NextChild(depth))
        {
            if (xml.Is("metadata"u8))
            {
                metadata.Add(ReadMetadata(xml));
            }
            else if (xml.Is("object"u8))
            {
                objects.Add(ReadObject(xml, unit));
            }
            else
            {
                xml.Skip();
            }
        }

        return new AmfDocument(unit, metadata, objects);
    }

    private static KeyValuePair<string, string> ReadMetadata(Utf8XmlScanner xml)
    {
        var type = xml.Attribute("type") ?? string.Empty;
        return new(type, xml.Text());
    }

    private static AmfObject ReadObject(Utf8XmlScanner xml, LengthUnit unit)
    {
        var id = xml.Attribute("id") ?? throw xml.Error("AMF object without 'id'.");
        var metadata = new List<KeyValuePair<string, string>>();
        var builder = new MeshBuilder(unit);
        var sawMesh = false;
        var depth = xml.Depth;
        while (xml.NextChild(depth))
        {
            if (xml.Is("metadata"u8))
            {
                metadata.Add(ReadMetadata(xml));
            }
            else if (xml.Is("mesh"u8))
            {
                if (sawMesh)
                {
                    throw xml.Error("AMF object '" + id + "' has more than one mesh.");
                }

                sawMesh = true;
                ReadMesh(xml, builder);
            }
            else
            {
                xml.Skip();
            }
        }

        return new AmfObject(id, metadata, builder.Build());
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadMesh(Utf8XmlScanner xml, MeshBuilder builder)
    {
        var welded = new List<int>();
        // Vertices are welded in batches: the weld table's lines are prefetched ahead (one miss per
        // vertex otherwise, the largest cost of reading a big mesh after the XML itself).
        var batch = new Vector3[64];
        var sawVertices = false;
        var depth = xml.Depth;
        while (xml.NextChild(depth))
        {
            if (xml.Is("vertices"u8))
            {
                if (sawVertices)
                {
                    throw xml.Error("AMF mesh has more than one 'vertices' element.");
                }

                sawVertices = true;
                var verticesDepth = xml.Depth;
                var pending = 0;
                while (xml.NextChild(verticesDepth))
                {
                    if (xml.Is("vertex"u8))
                    {
                        batch[pending++] = ReadVertex(xml);
                        if (pending == batch.Length)
                        {
                            Weld(builder, batch, pending, welded);
                            pending = 0;
                        }
                    }
                    else
                    {
                        xml.Skip();
                    }
                }

                Weld(builder, batch, pending, welded);
            }
            else if (xml.Is("volume"u8))
            {
                var volumeDepth = xml.Depth;
                while (xml.NextChild(volumeDepth))
                {
                    if (xml.Is("triangle"u8))
                    {
                        ReadTriangle(xml, builder, welded);
                    }
                    else
                    {
                        xml.Skip();
                    }
                }
            }
            else
            {
                xml.Skip();
            }
        }
    }

    private static void Weld(MeshBuilder builder, Vector3[] batch, int count, List<int> welded)
    {
        var start = welded.Count;
        CollectionsMarshal.SetCount(welded, start + count);
        builder.AddVertices(batch.AsSpan(0, count), CollectionsMarshal.AsSpan(welded)[start..]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector3 ReadVertex(Utf8XmlScanner xml)
    {
        Vector3? coordinates = null;
        var depth = xml.Depth;
        while (xml.NextChild(depth))
        {
            if (!xml.Is("coordinates"u8))
            {
                xml.Skip();
                continue;
            }

            float? x = null, y = null, z = null;
            var coordinatesDepth = xml.Depth;
            while (xml.NextChild(coordinatesDepth))
            {
                if (xml.Is("x"u8))
                {
                    x = xml.Number("x");
                }
                else if (xml.Is("y"u8))
                {
                    y = xml.Number("y");
                }
                else if (xml.Is("z"u8))
                {
                    z = xml.Number("z");
                }
                else
                {
                    xml.Skip();
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadTriangle(Utf8XmlScanner xml, MeshBuilder builder, List<int> welded)
    {
        int? v1 = null, v2 = null, v3 = null;
        var depth = xml.Depth;
        while (xml.NextChild(depth))
        {
            if (xml.Is("v1"u8))
            {
                v1 = Resolve(xml, welded, "v1");
            }
            else if (xml.Is("v2"u8))
            {
                v2 = Resolve(xml, welded, "v2");
            }
            else if (xml.Is("v3"u8))
            {
                v3 = Resolve(xml, welded, "v3");
            }
            else
            {
                xml.Skip();
            }
        }

        if (v1 is null || v2 is null || v3 is null)
        {
            throw xml.Error("AMF triangle needs v1, v2 and v3.");
        }

        builder.AddIndexedTriangle(v1.Value, v2.Value, v3.Value);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Resolve(Utf8XmlScanner xml, List<int> welded, string what)
    {
        var line = xml.Line;
        var index = xml.Index(what);
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
