namespace Trabecula.Mesh.Amf;

/// <summary>One <c>object</c> of an AMF file: its id, its metadata and its mesh (all volumes together).</summary>
/// <param name="Id">The <c>id</c> attribute.</param>
/// <param name="Metadata">The object's <c>metadata</c> elements as type and value, in file order.</param>
/// <param name="Mesh">The object's triangles over its welded vertices, in the file's unit.</param>
public sealed record AmfObject(string Id, IReadOnlyList<KeyValuePair<string, string>> Metadata, Mesh Mesh);

/// <summary>An AMF file (ISO/ASTM 52915) as read: unit, top-level metadata and objects.</summary>
/// <param name="Unit">The <c>unit</c> attribute of <c>amf</c> (millimetre when absent).</param>
/// <param name="Metadata">Top-level <c>metadata</c> elements as type and value, in file order.</param>
/// <param name="Objects">The objects in file order.</param>
public sealed record AmfDocument(LengthUnit Unit, IReadOnlyList<KeyValuePair<string, string>> Metadata, IReadOnlyList<AmfObject> Objects)
{
    /// <summary>All objects' triangles in one welded mesh in <see cref="Unit"/>.</summary>
    public Mesh ToMesh()
    {
        if (Objects.Count == 1)
        {
            // One object's vertices are welded already: keeping the used ones in order of first use
            // gives exactly what welding its triangles again would, without a lookup per corner.
            return Objects[0].Mesh.Compacted();
        }

        var builder = new MeshBuilder(Unit);
        foreach (var o in Objects)
        {
            o.Mesh.CopyTo(builder);
        }

        return builder.Build();
    }
}
