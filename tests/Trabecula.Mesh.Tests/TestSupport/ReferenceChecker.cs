using System.Numerics;

namespace Trabecula.Mesh.Tests.TestSupport;

/// <summary>
/// The straightforward checker the optimized one replaced (welding through Dictionary&lt;Vector3, int&gt;,
/// one global edge table, one fan dictionary per vertex), kept as the oracle that the fast paths
/// of <see cref="MeshBuilder"/> and <see cref="Mesh.Check"/> must agree with on every field.
/// </summary>
internal static class ReferenceChecker
{
    public sealed record Result(
        int Triangles, int Vertices, Vector3 Min, Vector3 Max, double Area, double Volume, int Degenerate,
        int Boundary, int NonManifoldEdges, int Misoriented, int NonManifoldVertices, int Shells);

    public static Result Check(IReadOnlyList<Triangle> triangles)
    {
        var lookup = new Dictionary<Vector3, int>();
        var vertices = new List<Vector3>();
        var indices = new List<int>();
        foreach (var t in triangles)
        {
            foreach (var corner in new[] { t.A, t.B, t.C })
            {
                var v = new Vector3(corner.X + 0f, corner.Y + 0f, corner.Z + 0f);
                if (!lookup.TryGetValue(v, out var index))
                {
                    index = vertices.Count;
                    vertices.Add(v);
                    lookup.Add(v, index);
                }

                indices.Add(index);
            }
        }

        var min = new Vector3(float.PositiveInfinity);
        var max = new Vector3(float.NegativeInfinity);
        double area = 0, volume = 0;
        var degenerate = 0;
        var edges = new Dictionary<(int, int), (int Count, int Direction)>();
        var parent = Enumerable.Range(0, vertices.Count).ToArray();
        for (var t = 0; t < indices.Count / 3; t++)
        {
            int ia = indices[3 * t], ib = indices[(3 * t) + 1], ic = indices[(3 * t) + 2];
            foreach (var i in new[] { ia, ib, ic })
            {
                min = Vector3.Min(min, vertices[i]);
                max = Vector3.Max(max, vertices[i]);
            }

            var (a, b, c) = (D(vertices[ia]), D(vertices[ib]), D(vertices[ic]));
            var cross = Cross(Sub(b, a), Sub(c, a));
            var twice = Math.Sqrt((cross.X * cross.X) + (cross.Y * cross.Y) + (cross.Z * cross.Z));
            degenerate += twice == 0 ? 1 : 0;
            area += twice / 2;
            var bc = Cross(b, c);
            volume += ((a.X * bc.X) + (a.Y * bc.Y) + (a.Z * bc.Z)) / 6;
            Union(parent, ia, ib);
            Union(parent, ib, ic);
            if (ia != ib && ib != ic && ia != ic)
            {
                foreach (var (from, to) in new[] { (ia, ib), (ib, ic), (ic, ia) })
                {
                    var key = (Math.Min(from, to), Math.Max(from, to));
                    var e = edges.GetValueOrDefault(key);
                    edges[key] = (e.Count + 1, e.Direction + (from < to ? 1 : -1));
                }
            }
        }

        var boundary = edges.Values.Count(e => e.Count == 1);
        var nonManifold = edges.Values.Count(e => e.Count > 2);
        var misoriented = edges.Values.Count(e => e.Count == 2 && e.Direction != 0);

        // Fans: triangles around v sharing a second vertex are connected.
        var around = new Dictionary<int, List<int>>();
        for (var t = 0; t < indices.Count; t += 3)
        {
            if (indices[t] != indices[t + 1] && indices[t + 1] != indices[t + 2] && indices[t] != indices[t + 2])
            {
                for (var c = 0; c < 3; c++)
                {
                    (around.TryGetValue(indices[t + c], out var list) ? list : around[indices[t + c]] = []).Add(t);
                }
            }
        }

        var nonManifoldVertices = 0;
        foreach (var (v, list) in around)
        {
            var fan = Enumerable.Range(0, list.Count).ToArray();
            for (var i = 0; i < list.Count; i++)
            {
                for (var j = i + 1; j < list.Count; j++)
                {
                    var shared = Enumerable.Range(0, 3).Select(c => indices[list[i] + c]).Intersect(Enumerable.Range(0, 3).Select(c => indices[list[j] + c])).Count(w => w != v);
                    if (shared > 0)
                    {
                        Union(fan, i, j);
                    }
                }
            }

            nonManifoldVertices += Enumerable.Range(0, list.Count).Count(i => Find(fan, i) == i) > 1 ? 1 : 0;
        }

        var shells = Enumerable.Range(0, vertices.Count).Count(i => Find(parent, i) == i);
        return new Result(indices.Count / 3, vertices.Count, min, max, area, volume, degenerate, boundary, nonManifold, misoriented, nonManifoldVertices, shells);
    }

    private static int Find(int[] parent, int i) => parent[i] == i ? i : parent[i] = Find(parent, parent[i]);

    private static void Union(int[] parent, int a, int b)
    {
        var (ra, rb) = (Find(parent, a), Find(parent, b));
        if (ra != rb)
        {
            parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
        }
    }

    private static (double X, double Y, double Z) D(Vector3 v) => (v.X, v.Y, v.Z);

    private static (double X, double Y, double Z) Sub((double X, double Y, double Z) a, (double X, double Y, double Z) b) => (a.X - b.X, a.Y - b.Y, a.Z - b.Z);

    private static (double X, double Y, double Z) Cross((double X, double Y, double Z) a, (double X, double Y, double Z) b) =>
        ((a.Y * b.Z) - (a.Z * b.Y), (a.Z * b.X) - (a.X * b.Z), (a.X * b.Y) - (a.Y * b.X));
}
