using System.Numerics;

namespace Trabecula.Mesh;

/// <summary>
/// What <see cref="Mesh.Check"/> found. Lengths, areas and volumes are in millimetres whatever the
/// unit of the source; <see cref="Unit"/> records the unit the file declared.
/// </summary>
public sealed record MeshReport
{
    /// <summary>Number of triangles.</summary>
    public required int Triangles { get; init; }

    /// <summary>Number of distinct vertices after welding exactly equal coordinates.</summary>
    public required int Vertices { get; init; }

    /// <summary>The unit the source declared.</summary>
    public required LengthUnit Unit { get; init; }

    /// <summary>Smallest corner of the bounding box in millimetres (zero for an empty mesh).</summary>
    public required Vector3 BoundingBoxMinMm { get; init; }

    /// <summary>Largest corner of the bounding box in millimetres (zero for an empty mesh).</summary>
    public required Vector3 BoundingBoxMaxMm { get; init; }

    /// <summary>Total triangle area in square millimetres.</summary>
    public required double AreaMm2 { get; init; }

    /// <summary>
    /// Signed volume by the divergence theorem in cubic millimetres: positive for a closed mesh
    /// whose triangles wind counter-clockwise seen from outside, meaningful only when closed.
    /// </summary>
    public required double VolumeMm3 { get; init; }

    /// <summary>Every edge is shared by exactly two triangles.</summary>
    public required bool Closed { get; init; }

    /// <summary>
    /// No edge is shared by more than two triangles and the triangles around every vertex form one
    /// fan (no two parts touching at a single vertex).
    /// </summary>
    public required bool Manifold { get; init; }

    /// <summary>Every edge shared by two triangles is traversed in opposite directions by them.</summary>
    public required bool ConsistentlyOriented { get; init; }

    /// <summary>Triangles with zero area (including those whose corners weld together).</summary>
    public required int DegenerateTriangles { get; init; }

    /// <summary>Vertices of an indexed source that repeat an earlier vertex; 0 for STL.</summary>
    public required int DuplicateVertices { get; init; }

    /// <summary>Edges used by one triangle only (holes).</summary>
    public required int BoundaryEdges { get; init; }

    /// <summary>Edges used by more than two triangles.</summary>
    public required int NonManifoldEdges { get; init; }

    /// <summary>Vertices whose triangles form more than one fan (parts touching at a point).</summary>
    public required int NonManifoldVertices { get; init; }

    /// <summary>Connected components (triangles sharing a vertex are connected).</summary>
    public required int Shells { get; init; }
}

internal static class MeshChecker
{
    public static MeshReport Check(Mesh mesh)
    {
        var scale = mesh.Unit.ToMillimeters();
        var vertices = mesh.Vertices;
        var indices = mesh.Indices;
        var min = new Vector3(float.PositiveInfinity);
        var max = new Vector3(float.NegativeInfinity);
        var used = new bool[vertices.Length];
        double area = 0;
        double volume = 0;
        var degenerate = 0;
        // long's own hash is low ^ high: for (min, max) vertex pairs of a mesh that collides
        // massively and made the check quadratic; the comparer below mixes all 64 bits.
        var edges = new Dictionary<long, (int Count, int DirectionSum)>(mesh.TriangleCount * 3 / 2 + 1, EdgeKeyComparer.Instance);
        var parent = new int[vertices.Length];
        for (var i = 0; i < parent.Length; i++)
        {
            parent[i] = i;
        }

        for (var t = 0; t < mesh.TriangleCount; t++)
        {
            var ia = indices[3 * t];
            var ib = indices[(3 * t) + 1];
            var ic = indices[(3 * t) + 2];
            foreach (var i in (ReadOnlySpan<int>)[ia, ib, ic])
            {
                if (!used[i])
                {
                    used[i] = true;
                    min = Vector3.Min(min, vertices[i]);
                    max = Vector3.Max(max, vertices[i]);
                }
            }

            var a = ToDouble(vertices[ia]);
            var b = ToDouble(vertices[ib]);
            var c = ToDouble(vertices[ic]);
            var cross = Cross(Sub(b, a), Sub(c, a));
            var twiceArea = Math.Sqrt((cross.X * cross.X) + (cross.Y * cross.Y) + (cross.Z * cross.Z));
            if (twiceArea == 0)
            {
                degenerate++;
            }

            area += twiceArea / 2;
            var bc = Cross(b, c);
            volume += ((a.X * bc.X) + (a.Y * bc.Y) + (a.Z * bc.Z)) / 6;

            Union(parent, ia, ib);
            Union(parent, ib, ic);
            if (ia != ib && ib != ic && ia != ic)
            {
                AddEdge(edges, ia, ib);
                AddEdge(edges, ib, ic);
                AddEdge(edges, ic, ia);
            }
        }

        var boundary = 0;
        var nonManifold = 0;
        var misoriented = 0;
        foreach (var (count, directionSum) in edges.Values)
        {
            if (count == 1)
            {
                boundary++;
            }
            else if (count > 2)
            {
                nonManifold++;
            }
            else if (directionSum != 0)
            {
                misoriented++;
            }
        }

        var nonManifoldVertices = CountNonManifoldVertices(indices, vertices.Length);
        var shells = 0;
        for (var i = 0; i < used.Length; i++)
        {
            if (used[i] && Find(parent, i) == i)
            {
                shells++;
            }
        }

        var empty = mesh.TriangleCount == 0;
        return new MeshReport
        {
            Triangles = mesh.TriangleCount,
            Vertices = used.Count(u => u),
            Unit = mesh.Unit,
            BoundingBoxMinMm = empty ? Vector3.Zero : min * (float)scale,
            BoundingBoxMaxMm = empty ? Vector3.Zero : max * (float)scale,
            AreaMm2 = area * scale * scale,
            VolumeMm3 = volume * scale * scale * scale,
            Closed = !empty && boundary == 0 && nonManifold == 0,
            Manifold = nonManifold == 0 && nonManifoldVertices == 0,
            ConsistentlyOriented = misoriented == 0 && nonManifold == 0,
            DegenerateTriangles = degenerate,
            DuplicateVertices = mesh.DuplicateVertices,
            BoundaryEdges = boundary,
            NonManifoldEdges = nonManifold,
            NonManifoldVertices = nonManifoldVertices,
            Shells = shells,
        };
    }

    private static int CountNonManifoldVertices(ReadOnlySpan<int> indices, int vertexCount)
    {
        // Incident triangles per vertex (degenerate ones left out), as offsets into one array.
        var start = new int[vertexCount + 1];
        for (var t = 0; t < indices.Length; t += 3)
        {
            if (IsProper(indices, t))
            {
                start[indices[t] + 1]++;
                start[indices[t + 1] + 1]++;
                start[indices[t + 2] + 1]++;
            }
        }

        for (var v = 0; v < vertexCount; v++)
        {
            start[v + 1] += start[v];
        }

        var incident = new int[start[vertexCount]];
        var fill = start[..vertexCount];
        for (var t = 0; t < indices.Length; t += 3)
        {
            if (IsProper(indices, t))
            {
                incident[fill[indices[t]]++] = t;
                incident[fill[indices[t + 1]]++] = t;
                incident[fill[indices[t + 2]]++] = t;
            }
        }

        // Around a vertex v, two triangles are in the same fan when they share a second vertex w
        // (the edge v-w); more than one fan means parts that touch only at v.
        var count = 0;
        var firstWithNeighbor = new Dictionary<int, int>();
        var local = new List<int>();
        for (var v = 0; v < vertexCount; v++)
        {
            var k = start[v + 1] - start[v];
            if (k < 2)
            {
                continue;
            }

            firstWithNeighbor.Clear();
            local.Clear();
            for (var i = 0; i < k; i++)
            {
                local.Add(i);
            }

            var parent = local.ToArray();
            for (var i = 0; i < k; i++)
            {
                var t = incident[start[v] + i];
                for (var c = 0; c < 3; c++)
                {
                    var w = indices[t + c];
                    if (w == v)
                    {
                        continue;
                    }

                    if (firstWithNeighbor.TryGetValue(w, out var j))
                    {
                        Union(parent, i, j);
                    }
                    else
                    {
                        firstWithNeighbor.Add(w, i);
                    }
                }
            }

            var fans = 0;
            for (var i = 0; i < k; i++)
            {
                if (Find(parent, i) == i)
                {
                    fans++;
                }
            }

            if (fans > 1)
            {
                count++;
            }
        }

        return count;
    }

    private static bool IsProper(ReadOnlySpan<int> indices, int t) =>
        indices[t] != indices[t + 1] && indices[t + 1] != indices[t + 2] && indices[t] != indices[t + 2];

    private static void AddEdge(Dictionary<long, (int Count, int DirectionSum)> edges, int from, int to)
    {
        var key = ((long)Math.Min(from, to) << 32) | (uint)Math.Max(from, to);
        ref var entry = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(edges, key, out _);
        entry = (entry.Count + 1, entry.DirectionSum + (from < to ? 1 : -1));
    }

    /// <summary>A 64-bit mix (Fibonacci hashing) so that edge keys spread over the table.</summary>
    private sealed class EdgeKeyComparer : IEqualityComparer<long>
    {
        public static readonly EdgeKeyComparer Instance = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long obj) => (int)(((ulong)obj * 0x9E3779B97F4A7C15UL) >> 32);
    }

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }

        return i;
    }

    private static void Union(int[] parent, int a, int b)
    {
        var ra = Find(parent, a);
        var rb = Find(parent, b);
        if (ra != rb)
        {
            parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
        }
    }

    private static (double X, double Y, double Z) ToDouble(Vector3 v) => (v.X, v.Y, v.Z);

    private static (double X, double Y, double Z) Sub((double X, double Y, double Z) a, (double X, double Y, double Z) b) =>
        (a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    private static (double X, double Y, double Z) Cross((double X, double Y, double Z) a, (double X, double Y, double Z) b) =>
        ((a.Y * b.Z) - (a.Z * b.Y), (a.Z * b.X) - (a.X * b.Z), (a.X * b.Y) - (a.Y * b.X));
}
