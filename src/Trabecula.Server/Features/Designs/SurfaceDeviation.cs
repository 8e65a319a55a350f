using System.Numerics;

namespace Trabecula.Server.Features.Designs;

/// <summary>Distances from each vertex of one mesh to the surface of another, and their summary.</summary>
public sealed record DeviationResult(float[] PerVertexMm, double MaxMm, double MeanMm, double RmsMm, int Sampled, bool Capped);

/// <summary>
/// Unsigned distance from points to a triangle surface through a uniform grid of triangle
/// buckets. Cost is bounded: at most <c>maxPoints</c> points are measured (beyond it every k-th
/// point, the rest take their nearest measured neighbour's value in index order), the grid has at
/// most ~2 cells per triangle (and at most 2M cells), and a point's search stops after
/// <see cref="MaxRings"/> rings of cells, reporting the distance found so far or the ring bound.
/// </summary>
public static class SurfaceDeviation
{
    private const int MaxRings = 24;
    private const int MaxCells = 2_000_000;

    public static DeviationResult Measure(ReadOnlySpan<Vector3> points, ReadOnlySpan<Vector3> surfaceVertices, ReadOnlySpan<int> surfaceIndices, int maxPoints)
    {
        var triangles = surfaceIndices.Length / 3;
        var result = new float[points.Length];
        if (points.Length == 0 || triangles == 0)
        {
            return new DeviationResult(result, 0, 0, 0, 0, false);
        }

        var min = new Vector3(float.MaxValue);
        var max = new Vector3(float.MinValue);
        foreach (var v in surfaceVertices)
        {
            min = Vector3.Min(min, v);
            max = Vector3.Max(max, v);
        }

        var size = Vector3.Max(max - min, new Vector3(1e-3f));
        var cellCount = Math.Clamp(triangles * 2L, 1, MaxCells);
        var cell = MathF.Cbrt(size.X * size.Y * size.Z / cellCount);
        cell = MathF.Max(cell, MathF.Max(size.X, MathF.Max(size.Y, size.Z)) / 256f);
        var nx = Math.Max(1, (int)MathF.Ceiling(size.X / cell));
        var ny = Math.Max(1, (int)MathF.Ceiling(size.Y / cell));
        var nz = Math.Max(1, (int)MathF.Ceiling(size.Z / cell));

        // Buckets as a CSR array: count, prefix-sum, fill.
        var vertices = surfaceVertices.ToArray();
        var indices = surfaceIndices.ToArray();
        var starts = new int[(nx * ny * nz) + 1];
        void Cells(int t, Action<int> visit)
        {
            var a = vertices[indices[t * 3]];
            var b = vertices[indices[(t * 3) + 1]];
            var c = vertices[indices[(t * 3) + 2]];
            var lo = Vector3.Min(a, Vector3.Min(b, c)) - min;
            var hi = Vector3.Max(a, Vector3.Max(b, c)) - min;
            int x0 = Clamp(lo.X / cell, nx), y0 = Clamp(lo.Y / cell, ny), z0 = Clamp(lo.Z / cell, nz);
            int x1 = Clamp(hi.X / cell, nx), y1 = Clamp(hi.Y / cell, ny), z1 = Clamp(hi.Z / cell, nz);
            for (var z = z0; z <= z1; z++)
            {
                for (var y = y0; y <= y1; y++)
                {
                    for (var x = x0; x <= x1; x++)
                    {
                        visit(((z * ny) + y) * nx + x);
                    }
                }
            }
        }

        var surface = (vertices, indices);
        for (var t = 0; t < triangles; t++)
        {
            Cells(t, c => starts[c + 1]++);
        }

        for (var i = 1; i < starts.Length; i++)
        {
            starts[i] += starts[i - 1];
        }

        var fill = (int[])starts.Clone();
        var bucket = new int[starts[^1]];
        for (var t = 0; t < triangles; t++)
        {
            var tri = t;
            Cells(t, c => bucket[fill[c]++] = tri);
        }

        var stride = Math.Max(1, (points.Length + maxPoints - 1) / maxPoints);
        double sum = 0, sumSquares = 0, worst = 0;
        var sampled = 0;
        for (var p = 0; p < points.Length; p += stride)
        {
            var d = Nearest(points[p], surface, min, cell, nx, ny, nz, starts, bucket);
            result[p] = d;
            sum += d;
            sumSquares += (double)d * d;
            worst = Math.Max(worst, d);
            sampled++;
        }

        if (stride > 1)
        {
            for (var p = 0; p < points.Length; p++)
            {
                result[p] = result[p - (p % stride)];
            }
        }

        return new DeviationResult(result, worst, sum / sampled, Math.Sqrt(sumSquares / sampled), sampled, stride > 1);
    }

    private static float Nearest(Vector3 point, (Vector3[] Vertices, int[] Indices) surface, Vector3 min, float cell, int nx, int ny, int nz, int[] starts, int[] bucket)
    {
        var local = point - min;
        int cx = Clamp(local.X / cell, nx), cy = Clamp(local.Y / cell, ny), cz = Clamp(local.Z / cell, nz);

        // Distance from the point to the outside of its home cell's box (zero inside the grid).
        var outside = Vector3.Max(Vector3.Zero, Vector3.Max(-local, local - new Vector3(nx * cell, ny * cell, nz * cell))).Length();
        var best = float.MaxValue;
        for (var ring = 0; ring <= MaxRings; ring++)
        {
            var any = false;
            for (var z = cz - ring; z <= cz + ring; z++)
            {
                for (var y = cy - ring; y <= cy + ring; y++)
                {
                    for (var x = cx - ring; x <= cx + ring; x++)
                    {
                        if (Math.Max(Math.Abs(x - cx), Math.Max(Math.Abs(y - cy), Math.Abs(z - cz))) != ring || x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz)
                        {
                            continue;
                        }

                        any = true;
                        var c = ((z * ny) + y) * nx + x;
                        for (var k = starts[c]; k < starts[c + 1]; k++)
                        {
                            var t = bucket[k];
                            var d = DistanceSquared(point, surface.Vertices[surface.Indices[t * 3]], surface.Vertices[surface.Indices[(t * 3) + 1]], surface.Vertices[surface.Indices[(t * 3) + 2]]);
                            best = MathF.Min(best, d);
                        }
                    }
                }
            }

            // Every triangle not yet seen lies at least ring*cell (minus the point's offset in its cell) away.
            var bound = outside + (ring * cell);
            if (best < float.MaxValue && MathF.Sqrt(best) <= bound)
            {
                return MathF.Sqrt(best);
            }

            if (!any && ring > Math.Max(nx, Math.Max(ny, nz)))
            {
                break;
            }
        }

        return best < float.MaxValue ? MathF.Sqrt(best) : outside + (MaxRings * cell);
    }

    private static int Clamp(float value, int count) => Math.Clamp((int)value, 0, count - 1);

    /// <summary>Squared distance from p to triangle abc (Ericson, Real-Time Collision Detection 5.1.5).</summary>
    public static float DistanceSquared(Vector3 p, Vector3 a, Vector3 b, Vector3 c)
    {
        var ab = b - a;
        var ac = c - a;
        var ap = p - a;
        float d1 = Vector3.Dot(ab, ap), d2 = Vector3.Dot(ac, ap);
        if (d1 <= 0 && d2 <= 0)
        {
            return ap.LengthSquared();
        }

        var bp = p - b;
        float d3 = Vector3.Dot(ab, bp), d4 = Vector3.Dot(ac, bp);
        if (d3 >= 0 && d4 <= d3)
        {
            return bp.LengthSquared();
        }

        var vc = (d1 * d4) - (d3 * d2);
        if (vc <= 0 && d1 >= 0 && d3 <= 0)
        {
            var v = d1 / (d1 - d3);
            return (p - (a + (v * ab))).LengthSquared();
        }

        var cp = p - c;
        float d5 = Vector3.Dot(ab, cp), d6 = Vector3.Dot(ac, cp);
        if (d6 >= 0 && d5 <= d6)
        {
            return cp.LengthSquared();
        }

        var vb = (d5 * d2) - (d1 * d6);
        if (vb <= 0 && d2 >= 0 && d6 <= 0)
        {
            var w = d2 / (d2 - d6);
            return (p - (a + (w * ac))).LengthSquared();
        }

        var va = (d3 * d6) - (d5 * d4);
        if (va <= 0 && (d4 - d3) >= 0 && (d5 - d6) >= 0)
        {
            var w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
            return (p - (b + (w * (c - b)))).LengthSquared();
        }

        var denominator = 1 / (va + vb + vc);
        var v2 = vb * denominator;
        var w2 = vc * denominator;
        return (p - (a + (ab * v2) + (ac * w2))).LengthSquared();
    }
}
