using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

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

    /// <summary>
    /// The same triangles over only the vertices they use, numbered in order of first use, with no
    /// duplicates counted: what a <see cref="MeshBuilder"/> fed <see cref="CopyTo"/> would build.
    /// </summary>
    internal Mesh Compacted()
    {
        var map = new int[_vertices.Length];
        var vertices = new List<Vector3>();
        var indices = new int[_indices.Length];
        for (var i = 0; i < _indices.Length; i++)
        {
            var old = _indices[i];
            if (map[old] == 0)
            {
                vertices.Add(_vertices[old]);
                map[old] = vertices.Count;
            }

            indices[i] = map[old] - 1;
        }

        return new Mesh([.. vertices], indices, Unit, duplicateVertices: 0);
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
    // Welding is the hot path of every reader (three lookups per STL triangle). An open-addressing
    // table keyed on the coordinates' bits (linear probing, at most half full) beats
    // Dictionary<Vector3, int> by a wide margin: no bucket chains, one multiply-mix per lookup.
    private Vector3[] _vertices = new Vector3[16];
    private int _vertexCount;
    private int[] _indices = new int[48];
    private int _indexCount;
    private Slot[] _table = new Slot[32];
    private int _duplicates;

    /// <summary>Creates a builder for coordinates in <paramref name="unit"/>.</summary>
    public MeshBuilder(LengthUnit unit = LengthUnit.Millimeter) => Unit = unit;

    /// <summary>The unit of the coordinates.</summary>
    public LengthUnit Unit { get; set; }

    /// <summary>Number of triangles so far.</summary>
    public int TriangleCount => _indexCount / 3;

    /// <summary>
    /// Makes room for <paramref name="triangles"/> more triangles (and as many vertices as a closed
    /// mesh of that size has) so that a reader that knows its size up front does not grow the
    /// arrays step by step. Call it only with a count the input has proven (bytes present), never
    /// with an untrusted declared count.
    /// </summary>
    public void EnsureCapacity(int triangles)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(triangles);
        var indices = (3L * triangles) + _indexCount;
        if (indices > _indices.Length)
        {
            Array.Resize(ref _indices, (int)Math.Min(indices, Array.MaxLength));
        }

        // A closed triangle mesh has about half as many vertices as triangles.
        var vertices = (triangles / 2L) + 2 + _vertexCount;
        if (vertices > _vertices.Length)
        {
            Array.Resize(ref _vertices, (int)Math.Min(vertices, Array.MaxLength));
        }

        GrowTable(vertices);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(in Triangle triangle)
    {
        if (_indexCount + 3 > _indices.Length)
        {
            Array.Resize(ref _indices, Grow(_indices.Length, _indexCount + 3));
        }

        var a = Weld(triangle.A);
        var b = Weld(triangle.B);
        var c = Weld(triangle.C);
        _indices[_indexCount] = a;
        _indices[_indexCount + 1] = b;
        _indices[_indexCount + 2] = c;
        _indexCount += 3;
    }

    /// <summary>
    /// Adds triangles given as consecutive corners (three per triangle), exactly as <see cref="Add"/>
    /// would one by one. For a large model the weld table is far bigger than the caches and every
    /// lookup lands on a random line, so the line of the corner a few places ahead is prefetched
    /// while the current one is probed: the memory latencies overlap instead of adding up.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddCorners(ReadOnlySpan<Vector3> corners)
    {
        if (corners.Length % 3 != 0)
        {
            throw new ArgumentException("Corners come in threes.", nameof(corners));
        }

        if (_indexCount + corners.Length > _indices.Length)
        {
            Array.Resize(ref _indices, Grow(_indices.Length, _indexCount + corners.Length));
        }

        const int Ahead = 12;
        for (var i = 0; i < corners.Length; i++)
        {
            if (i + Ahead < corners.Length)
            {
                Prefetch(corners[i + Ahead]);
            }

            _indices[_indexCount + i] = Weld(corners[i]);
        }

        _indexCount += corners.Length;
    }

    /// <summary>
    /// Adds a vertex of an indexed source and returns the welded index to use for it; a vertex equal
    /// to an earlier one counts in <see cref="Mesh.DuplicateVertices"/>.
    /// </summary>
    public int AddVertex(Vector3 vertex)
    {
        var before = _vertexCount;
        var index = Weld(vertex);
        if (_vertexCount == before)
        {
            _duplicates++;
        }

        return index;
    }

    /// <summary>
    /// Adds vertices of an indexed source and writes the welded index of each to
    /// <paramref name="welded"/>, exactly as <see cref="AddVertex"/> would one by one, with the weld
    /// table's lines prefetched a few vertices ahead as in <see cref="AddCorners"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddVertices(ReadOnlySpan<Vector3> vertices, Span<int> welded)
    {
        if (welded.Length < vertices.Length)
        {
            throw new ArgumentException("One welded index per vertex.", nameof(welded));
        }

        const int Ahead = 12;
        for (var i = 0; i < vertices.Length; i++)
        {
            if (i + Ahead < vertices.Length)
            {
                Prefetch(vertices[i + Ahead]);
            }

            var before = _vertexCount;
            welded[i] = Weld(vertices[i]);
            if (_vertexCount == before)
            {
                _duplicates++;
            }
        }
    }

    /// <summary>Adds a triangle by welded indices returned from <see cref="AddVertex"/>.</summary>
    public void AddIndexedTriangle(int a, int b, int c)
    {
        if ((uint)a >= (uint)_vertexCount || (uint)b >= (uint)_vertexCount || (uint)c >= (uint)_vertexCount)
        {
            throw new ArgumentOutOfRangeException(nameof(a), "Vertex index out of range.");
        }

        if (_indexCount + 3 > _indices.Length)
        {
            Array.Resize(ref _indices, Grow(_indices.Length, _indexCount + 3));
        }

        _indices[_indexCount] = a;
        _indices[_indexCount + 1] = b;
        _indices[_indexCount + 2] = c;
        _indexCount += 3;
    }

    /// <summary>Builds the mesh.</summary>
    public Mesh Build() => new(Exact(_vertices, _vertexCount), Exact(_indices, _indexCount), Unit, _duplicates);

    // An array filled to the end is handed over as it is (a later Add grows into a new array, so the
    // mesh never changes); otherwise the used part is copied.
    private static T[] Exact<T>(T[] array, int count) => count == array.Length ? array : array.AsSpan(0, count).ToArray();

    // Small helpers of the hot loops say AggressiveInlining: the native AOT compiler, with no
    // profile to go by, left even Canonical as a call of its own (docs/performance.md).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Weld(Vector3 v)
    {
        // Adding +0 turns -0 into +0 so that the two weld; every NaN is one NaN, as Vector3.Equals
        // has it (the readers refuse NaN, but the builder is public).
        var x = Canonical(v.X);
        var y = Canonical(v.Y);
        var z = Canonical(v.Z);
        var table = _table;
        var mask = table.Length - 1;
        var slot = Hash(x, y, z) & mask;
        while (true)
        {
            ref var entry = ref table[slot];
            if (entry.Index == 0)
            {
                break;
            }

            // The key sits in the slot: a hit costs one cache line, not a second one in _vertices.
            if (entry.X == x && entry.Y == y && entry.Z == z)
            {
                return entry.Index - 1;
            }

            slot = (slot + 1) & mask;
        }

        var index = _vertexCount;
        if (index == _vertices.Length)
        {
            Array.Resize(ref _vertices, Grow(_vertices.Length, index + 1));
        }

        _vertices[index] = new Vector3(BitConverter.UInt32BitsToSingle(x), BitConverter.UInt32BitsToSingle(y), BitConverter.UInt32BitsToSingle(z));
        _vertexCount = index + 1;
        table[slot] = new Slot(x, y, z, index + 1);
        if (_vertexCount * 2 > table.Length)
        {
            GrowTable(_vertexCount);
        }

        return index;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe void Prefetch(Vector3 v)
    {
        if (Sse.IsSupported)
        {
            var table = _table;
            var slot = Hash(Canonical(v.X), Canonical(v.Y), Canonical(v.Z)) & (table.Length - 1);
            // Not pinned: if the collector moved the table meanwhile the hint names a stale line,
            // which costs nothing (a prefetch never faults).
            Sse.Prefetch0(Unsafe.AsPointer(ref table[slot]));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Canonical(float f) => float.IsNaN(f) ? BitConverter.SingleToUInt32Bits(float.NaN) : BitConverter.SingleToUInt32Bits(f + 0f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(uint x, uint y, uint z)
    {
        var h = ((ulong)x * 0x9E3779B97F4A7C15UL) ^ ((ulong)y * 0xC2B2AE3D27D4EB4FUL) ^ ((ulong)z * 0x165667B19E3779F9UL);
        return (int)((h ^ (h >> 29)) >> 32) & int.MaxValue;
    }

    private static int Grow(int current, int needed) => (int)Math.Min(Math.Max((long)current * 2, needed), Array.MaxLength);

    /// <summary>Keeps the table at most half full for <paramref name="vertices"/> entries, rehashing what is in it.</summary>
    private void GrowTable(long vertices)
    {
        var size = _table.Length;
        while (size < vertices * 2 && size < (1 << 30))
        {
            size *= 2;
        }

        if (size == _table.Length)
        {
            return;
        }

        var table = new Slot[size];
        var mask = size - 1;
        foreach (var entry in _table)
        {
            if (entry.Index != 0)
            {
                var slot = Hash(entry.X, entry.Y, entry.Z) & mask;
                while (table[slot].Index != 0)
                {
                    slot = (slot + 1) & mask;
                }

                table[slot] = entry;
            }
        }

        _table = table;
    }

    /// <summary>One entry of the weld table: the coordinates' bits and the vertex index + 1 (0 = empty).</summary>
    private readonly record struct Slot(uint X, uint Y, uint Z, int Index);
}
