using System.IO.Compression;
using System.Numerics;
using Trabecula.Mesh.Xml;

namespace Trabecula.Mesh.ThreeMf;

/// <summary>A 3MF package as read: the model's unit and metadata, and the build as one mesh.</summary>
/// <param name="Unit">The <c>unit</c> attribute of <c>model</c> (millimetre when absent).</param>
/// <param name="Metadata">The model's <c>metadata</c> elements as name and value, in file order.</param>
/// <param name="Mesh">
/// Every build item's triangles, components instantiated and 3×4 transforms applied, welded, in
/// <see cref="Unit"/>.
/// </param>
public sealed record ThreeMfDocument(LengthUnit Unit, IReadOnlyList<KeyValuePair<string, string>> Metadata, Mesh Mesh);

/// <summary>
/// Reads the core of 3MF (3MF Core Specification 1.x): the OPC zip package, the start part found by
/// the <c>_rels/.rels</c> relationship of the 3D model type, objects with a mesh or components, and
/// build items with transforms. Extensions listed in <c>requiredextensions</c> are refused, as the
/// specification requires of a consumer that does not support them; others are ignored.
/// </summary>
public static class ThreeMfReader
{
    /// <summary>The namespace of the 3MF core model.</summary>
    public const string CoreNamespace = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02";

    /// <summary>The relationship type of the 3D model start part.</summary>
    public const string ModelRelationshipType = "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel";

    private const string RelationshipsNamespace = "http://schemas.openxmlformats.org/package/2006/relationships";
    private const int MaxComponentDepth = 16;

    /// <summary>Reads the 3MF package at <paramref name="path"/>.</summary>
    public static ThreeMfDocument Read(string path, MeshReadLimits? limits = null)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, limits);
    }

    /// <summary>Reads a 3MF package from <paramref name="stream"/>.</summary>
    /// <exception cref="MeshFormatException">The package or model is malformed or exceeds the limits.</exception>
    public static ThreeMfDocument Read(Stream stream, MeshReadLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        limits ??= MeshReadLimits.Default;
        using var buffered = stream.CanSeek ? null : StreamHead.Buffer(stream, limits.MaxInflatedBytes);
        using var archive = BoundedZip.Open(buffered ?? stream, limits);
        var modelPath = FindModelPart(archive, limits);
        var entry = archive.GetEntry(modelPath) ?? throw new MeshFormatException("3MF model part '" + modelPath + "' is missing from the package.");
        using var part = BoundedZip.OpenEntry(entry, limits);
        return ReadModel(part, limits);
    }

    private static string FindModelPart(ZipArchive archive, MeshReadLimits limits)
    {
        var rels = archive.GetEntry("_rels/.rels") ?? throw new MeshFormatException("3MF package has no _rels/.rels.");
        using var stream = BoundedZip.OpenEntry(rels, limits);
        using var xml = new XmlMeshReader(stream, limits);
        if (xml.Root() != "Relationships" || xml.NamespaceUri != RelationshipsNamespace)
        {
            throw xml.Error("_rels/.rels is not an OPC Relationships part.");
        }

        string? target = null;
        foreach (var child in xml.Children())
        {
            if (child == "Relationship" && xml.Attribute("Type") == ModelRelationshipType)
            {
                if (target is not null)
                {
                    throw xml.Error("3MF package has more than one 3D model start part.");
                }

                target = xml.Attribute("Target") ?? throw xml.Error("Relationship without Target.");
            }

            xml.Skip();
        }

        if (target is null)
        {
            throw new MeshFormatException("3MF package has no relationship of type " + ModelRelationshipType + ".");
        }

        return Uri.UnescapeDataString(target).TrimStart('/');
    }

    private static ThreeMfDocument ReadModel(Stream stream, MeshReadLimits limits)
    {
        using var xml = new XmlMeshReader(stream, limits);
        if (xml.Root() != "model" || xml.NamespaceUri != CoreNamespace)
        {
            throw xml.Error("Root element is not a 3MF core 'model'.");
        }

        var unitName = xml.Attribute("unit");
        var unit = LengthUnit.Millimeter;
        if (unitName is not null && !LengthUnits.TryParse(unitName, out unit))
        {
            throw xml.Error("Unknown 3MF unit '" + unitName + "'.");
        }

        var required = xml.Attribute("requiredextensions");
        if (!string.IsNullOrWhiteSpace(required))
        {
            throw xml.Error("3MF model requires extensions this reader does not support: " + required + ".");
        }

        var metadata = new List<KeyValuePair<string, string>>();
        var objects = new Dictionary<string, ModelObject>(StringComparer.Ordinal);
        var items = new List<(string ObjectId, Matrix4x4 Transform, int Line)>();
        foreach (var child in xml.Children())
        {
            if (xml.NamespaceUri != CoreNamespace)
            {
                xml.Skip();
                continue;
            }

            switch (child)
            {
                case "metadata":
                    var name = xml.Attribute("name") ?? string.Empty;
                    metadata.Add(new(name, xml.Text()));
                    break;
                case "resources":
                    ReadResources(xml, objects);
                    break;
                case "build":
                    foreach (var item in xml.Children())
                    {
                        if (item == "item" && xml.NamespaceUri == CoreNamespace)
                        {
                            var line = xml.Line;
                            var objectId = xml.Attribute("objectid") ?? throw xml.Error("Build item without objectid.");
                            items.Add((objectId, Transform(xml), line));
                        }

                        xml.Skip();
                    }

                    break;
                default:
                    xml.Skip();
                    break;
            }
        }

        var builder = new MeshBuilder(unit);
        long emitted = 0;
        foreach (var (objectId, transform, line) in items)
        {
            Emit(objectId, transform, line, 0);
        }

        return new ThreeMfDocument(unit, metadata, builder.Build());

        void Emit(string objectId, Matrix4x4 transform, int line, int depth)
        {
            if (!objects.TryGetValue(objectId, out var o))
            {
                throw new MeshFormatException("3MF reference to undefined object '" + objectId + "'.", -1, line);
            }

            if (depth > MaxComponentDepth)
            {
                throw new MeshFormatException("3MF components nest too deep (or form a cycle).", -1, line);
            }

            if (o.Components is not null)
            {
                foreach (var (childId, childTransform, childLine) in o.Components)
                {
                    Emit(childId, childTransform * transform, childLine, depth + 1);
                }

                return;
            }

            emitted += o.Indices!.Count / 3;
            if (emitted > limits.MaxTriangles)
            {
                throw new MeshFormatException(FormattableString.Invariant($"3MF build expands to more than {limits.MaxTriangles} triangles."), -1, line);
            }

            // A mirroring transform turns the winding inside out; swap two corners to keep it outward.
            var mirrored = transform.GetDeterminant() < 0;
            for (var i = 0; i < o.Indices.Count; i += 3)
            {
                var a = Vector3.Transform(o.Vertices![o.Indices[i]], transform);
                var b = Vector3.Transform(o.Vertices[o.Indices[i + 1]], transform);
                var c = Vector3.Transform(o.Vertices[o.Indices[i + 2]], transform);
                builder.Add(mirrored ? new Triangle(a, c, b) : new Triangle(a, b, c));
            }
        }
    }

    private static void ReadResources(XmlMeshReader xml, Dictionary<string, ModelObject> objects)
    {
        foreach (var child in xml.Children())
        {
            if (child != "object" || xml.NamespaceUri != CoreNamespace)
            {
                xml.Skip();
                continue;
            }

            var id = xml.Attribute("id") ?? throw xml.Error("3MF object without id.");
            if (objects.ContainsKey(id))
            {
                throw xml.Error("3MF object id '" + id + "' is defined twice.");
            }

            ModelObject? definition = null;
            foreach (var content in xml.Children())
            {
                if (xml.NamespaceUri != CoreNamespace || definition is not null)
                {
                    xml.Skip();
                    continue;
                }

                switch (content)
                {
                    case "mesh":
                        definition = ReadMesh(xml);
                        break;
                    case "components":
                        var components = new List<(string, Matrix4x4, int)>();
                        foreach (var component in xml.Children())
                        {
                            if (component == "component" && xml.NamespaceUri == CoreNamespace)
                            {
                                var line = xml.Line;
                                var objectId = xml.Attribute("objectid") ?? throw xml.Error("3MF component without objectid.");
                                if (!objects.ContainsKey(objectId))
                                {
                                    // The core specification requires components to reference earlier objects.
                                    throw xml.Error("3MF component references object '" + objectId + "' not defined before it.");
                                }

                                components.Add((objectId, Transform(xml), line));
                            }

                            xml.Skip();
                        }

                        definition = new ModelObject(null, null, components);
                        break;
                    default:
                        xml.Skip();
                        break;
                }
            }

            objects.Add(id, definition ?? throw xml.Error("3MF object '" + id + "' has neither mesh nor components."));
        }
    }

    private static ModelObject ReadMesh(XmlMeshReader xml)
    {
        var vertices = new List<Vector3>();
        var indices = new List<int>();
        foreach (var child in xml.Children())
        {
            switch (child)
            {
                case "vertices":
                    foreach (var vertex in xml.Children())
                    {
                        if (vertex == "vertex")
                        {
                            vertices.Add(new Vector3(
                                xml.Number(xml.Attribute("x"), "x"),
                                xml.Number(xml.Attribute("y"), "y"),
                                xml.Number(xml.Attribute("z"), "z")));
                        }

                        xml.Skip();
                    }

                    break;
                case "triangles":
                    foreach (var triangle in xml.Children())
                    {
                        if (triangle == "triangle")
                        {
                            foreach (var name in (ReadOnlySpan<string>)["v1", "v2", "v3"])
                            {
                                var index = xml.Index(xml.Attribute(name), name);
                                if (index >= vertices.Count)
                                {
                                    throw xml.Error(FormattableString.Invariant($"3MF triangle {name} = {index} is out of range: the mesh has {vertices.Count} vertices."));
                                }

                                indices.Add(index);
                            }
                        }

                        xml.Skip();
                    }

                    break;
                default:
                    xml.Skip();
                    break;
            }
        }

        return new ModelObject(vertices, indices, null);
    }

    private static Matrix4x4 Transform(XmlMeshReader xml)
    {
        var text = xml.Attribute("transform");
        if (text is null)
        {
            return Matrix4x4.Identity;
        }

        var parts = text.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 12)
        {
            throw xml.Error("3MF transform needs 12 numbers, found " + parts.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".");
        }

        var m = new float[12];
        for (var i = 0; i < 12; i++)
        {
            m[i] = xml.Number(parts[i], "transform");
        }

        // 3MF matrices act on row vectors: (x y z 1) times the 4×3 matrix m00..m32, as Matrix4x4 does.
        return new Matrix4x4(
            m[0], m[1], m[2], 0,
            m[3], m[4], m[5], 0,
            m[6], m[7], m[8], 0,
            m[9], m[10], m[11], 1);
    }

    private sealed record ModelObject(List<Vector3>? Vertices, List<int>? Indices, List<(string ObjectId, Matrix4x4 Transform, int Line)>? Components);
}
