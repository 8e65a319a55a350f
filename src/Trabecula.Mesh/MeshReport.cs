using System.Numerics;
using System.Runtime.CompilerServices;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static MeshReport Check(Mesh mesh)
    {
        var scale = mesh.Unit.ToMillimeters();
        var vertices = mesh.Vertices;
        var indices = mesh.Indices;
        var min = new Vector3(float.PositiveInfinity);
        var max = new Vector3(float.NegativeInfinity);
        var used = new bool[vertices.Length];
        var usedCount = 0;
        double area = 0;
        double volume = 0;
        var degenerate = 0;
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
            Use(ia, vertices, used, ref usedCount, ref min, ref max);
            Use(ib, vertices, used, ref usedCount, ref min, ref max);
            Use(ic, vertices, used, ref usedCount, ref min, ref max);

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
        }

        var (boundary, nonManifold, misoriented, nonManifoldVertices) = CountEdgesAndFans(indices, vertices.Length);
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
            Vertices = usedCount,
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Use(int i, ReadOnlySpan<Vector3> vertices, bool[] used, ref int usedCount, ref Vector3 min, ref Vector3 max)
    {
        if (!used[i])
        {
            used[i] = true;
            usedCount++;
            min = Vector3.Min(min, vertices[i]);
            max = Vector3.Max(max, vertices[i]);
        }
    }

    /// <summary>
    /// Edge and vertex topology from the triangles around each vertex, with no global edge table:
    /// an edge v-w (v &lt; w) is seen whole among v's triangles, and so is v's fan structure. Only
    /// proper triangles (three distinct corners) take part.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int Boundary, int NonManifold, int Misoriented, int NonManifoldVertices) CountEdgesAndFans(ReadOnlySpan<int> indices, int vertexCount)
    {
        // Incident triangles per vertex, as offsets into one array (compressed rows).
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

        var maxIncident = 0;
        for (var v = 0; v < vertexCount; v++)
        {
            maxIncident = Math.Max(maxIncident, start[v + 1]);
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

        // Per vertex v: one entry per (triangle around v, other corner w), packed as
        // w << 32 | local triangle << 1 | (1 when the triangle runs v-w from the smaller index to
        // the larger), sorted so that equal w are adjacent. The count of a w is the edge's use
        // count, the direction bits decide orientation, and triangles sharing a w are one fan.
        var entries = new long[2 * maxIncident];
        var fan = new int[maxIncident];
        int boundary = 0, nonManifold = 0, misoriented = 0, nonManifoldVertices = 0;
        for (var v = 0; v < vertexCount; v++)
        {
            var first = start[v];
            var k = start[v + 1] - first;
            if (k == 0)
            {
                continue;
            }

            var n = 0;
            for (var i = 0; i < k; i++)
            {
                var t = incident[first + i];
                var p = indices[t] == v ? 0 : indices[t + 1] == v ? 1 : 2;
                var next = indices[t + ((p + 1) % 3)];
                var previous = indices[t + ((p + 2) % 3)];
                // v -> next runs upwards when v < next; previous -> v runs upwards when previous < v.
                entries[n++] = ((long)next << 32) | ((long)i << 1) | (v < next ? 1L : 0L);
                entries[n++] = ((long)previous << 32) | ((long)i << 1) | (previous < v ? 1L : 0L);
                fan[i] = i;
            }

            var span = entries.AsSpan(0, n);
            Sort(span);
            for (var g = 0; g < n;)
            {
                var w = (int)(span[g] >> 32);
                var end = g + 1;
                while (end < n && (int)(span[end] >> 32) == w)
                {
                    end++;
                }

                var root = (int)((span[g] & uint.MaxValue) >> 1);
                var directionSum = 0;
                for (var e = g; e < end; e++)
                {
                    directionSum += (span[e] & 1) != 0 ? 1 : -1;
                    if (e > g)
                    {
                        Union(fan, root, (int)((span[e] & uint.MaxValue) >> 1));
                    }
                }

                if (w > v)
                {
                    var count = end - g;
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

                g = end;
            }

            if (k >= 2)
            {
                var fans = 0;
                for (var i = 0; i < k; i++)
                {
                    if (Find(fan, i) == i)
                    {
                        fans++;
                    }
                }

                if (fans > 1)
                {
                    nonManifoldVertices++;
                }
            }
        }

        return (boundary, nonManifold, misoriented, nonManifoldVertices);
    }

    /// <summary>
    /// Sorts one vertex's entries: a dozen or so, for which insertion sort is the fastest, and
    /// span.Sort under native AOT compares through an interface call per comparison.
    /// </summary>
    private static void Sort(Span<long> span)
    {
        if (span.Length > 32)
        {
            span.Sort();
            return;
        }

        for (var i = 1; i < span.Length; i++)
        {
            var key = span[i];
            var j = i - 1;
            while (j >= 0 && span[j] > key)
            {
                span[j + 1] = span[j];
                j--;
            }

            span[j + 1] = key;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsProper(ReadOnlySpan<int> indices, int t) =>
        indices[t] != indices[t + 1] && indices[t + 1] != indices[t + 2] && indices[t] != indices[t + 2];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Union(int[] parent, int a, int b)
    {
        var ra = Find(parent, a);
        var rb = Find(parent, b);
        if (ra != rb)
        {
            parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (double X, double Y, double Z) ToDouble(Vector3 v) => (v.X, v.Y, v.Z);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (double X, double Y, double Z) Sub((double X, double Y, double Z) a, (double X, double Y, double Z) b) =>
        (a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (double X, double Y, double Z) Cross((double X, double Y, double Z) a, (double X, double Y, double Z) b) =>
        ((a.Y * b.Z) - (a.Z * b.Y), (a.Z * b.X) - (a.X * b.Z), (a.X * b.Y) - (a.Y * b.X));
}
