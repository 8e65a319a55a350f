using System.Numerics;

namespace Trabecula.Mesh;

/// <summary>
/// An indexed triangle mesh in memory: vertices welded where their coordinates are exactly equal,
/// three vertex indices per triangle, and the unit the coordinates are in.
/// </summary>
public sealed class Mesh
{
    private readonly Vector3[] _vertices;
    private readonly int[] _indices;

    internal Mesh(Vector3[] vertices, int[] indices, LengthUnit unit, int duplicateVertices)
    {
        _vertices = vertices;
        _indices = indices;
        Unit = unit;
        DuplicateVertices = duplicateVertices;
    }

    /// <summary>The unit of the coordinates.</summary>
    public LengthUnit Unit { get; }

    /// <summary>The distinct vertices.</summary>
    public ReadOnlySpan<Vector3> Vertices => _vertices;

    /// <summary>Three indices into <see cref="Vertices"/> per triangle.</summary>
    public ReadOnlySpan<int> Indices => _indices;

    /// <summary>Number of triangles.</summary>
    public int TriangleCount => _indices.Length / 3;

    /// <summary>
    /// Vertices of an indexed source (AMF, 3MF) whose coordinates equal an earlier vertex of the same
    /// list; always 0 for STL, which has no vertex list.
    /// </summary>
    public int DuplicateVertices { get; }

    /// <summary>The triangle at <paramref name="index"/>.</summary>
    public Triangle GetTriangle(int index) =>
        new(_vertices[_indices[3 * index]], _vertices[_indices[(3 * index) + 1]], _vertices[_indices[(3 * index) + 2]]);

    /// <summary>Streams every triangle to <paramref name="sink"/>.</summary>
    public void CopyTo(ITriangleSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        for (var i = 0; i < TriangleCount; i++)
        {
            sink.Add(GetTriangle(i));
        }
    }

    /// <summary>Checks the mesh; see <see cref="MeshReport"/>.</summary>
    public MeshReport Check() => MeshChecker.Check(this);
}

/// <summary>
/// A <see cref="ITriangleSink"/> that welds exactly equal vertices (+0 and -0 are equal) and builds
/// a <see cref="Mesh"/>. Indexed readers add vertices with <see cref="AddVertex"/> and triangles
/// with <see cref="AddIndexedTriangle"/>.
/// </summary>
public sealed class MeshBuilder : ITriangleSink
{
    private readonly Dictionary<Vector3, int> _lookup = [];
    private readonly List<Vector3> _vertices = [];
    private readonly List<int> _indices = [];
    private int _duplicates;

    /// <summary>Creates a builder for coordinates in <paramref name="unit"/>.</summary>
    public MeshBuilder(LengthUnit unit = LengthUnit.Millimeter) => Unit = unit;

    /// <summary>The unit of the coordinates.</summary>
    public LengthUnit Unit { get; set; }

    /// <summary>Number of triangles so far.</summary>
    public int TriangleCount => _indices.Count / 3;

    /// <inheritdoc />
    public void Add(in Triangle triangle)
    {
        _indices.Add(Weld(triangle.A));
        _indices.Add(Weld(triangle.B));
        _indices.Add(Weld(triangle.C));
    }

    /// <summary>
    /// Adds a vertex of an indexed source and returns the welded index to use for it; a vertex equal
    /// to an earlier one counts in <see cref="Mesh.DuplicateVertices"/>.
    /// </summary>
    public int AddVertex(Vector3 vertex)
    {
        var before = _vertices.Count;
        var index = Weld(vertex);
        if (_vertices.Count == before)
        {
            _duplicates++;
        }

        return index;
    }

    /// <summary>Adds a triangle by welded indices returned from <see cref="AddVertex"/>.</summary>
    public void AddIndexedTriangle(int a, int b, int c)
    {
        if ((uint)a >= (uint)_vertices.Count || (uint)b >= (uint)_vertices.Count || (uint)c >= (uint)_vertices.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(a), "Vertex index out of range.");
        }

        _indices.Add(a);
        _indices.Add(b);
        _indices.Add(c);
    }

    /// <summary>Builds the mesh.</summary>
    public Mesh Build() => new([.. _vertices], [.. _indices], Unit, _duplicates);

    private int Weld(Vector3 v)
    {
        // Adding +0 turns -0 into +0 so that the two weld.
        v = new Vector3(v.X + 0f, v.Y + 0f, v.Z + 0f);
        if (!_lookup.TryGetValue(v, out var index))
        {
            index = _vertices.Count;
            _vertices.Add(v);
            _lookup.Add(v, index);
        }

        return index;
    }
}
