using System.Numerics;

namespace Trabecula.Mesh.Tests.TestSupport;

/// <summary>Hand-built meshes: explicit triangles, outward counter-clockwise winding.</summary>
internal static class Meshes
{
    /// <summary>The 12 triangles of an axis-aligned cube from <paramref name="origin"/> with edge <paramref name="size"/>.</summary>
    public static List<Triangle> Cube(Vector3 origin, float size)
    {
        Vector3 P(int x, int y, int z) => origin + (new Vector3(x, y, z) * size);
        var quads = new[]
        {
            (P(0, 0, 0), P(0, 1, 0), P(1, 1, 0), P(1, 0, 0)), // bottom, normal -z
            (P(0, 0, 1), P(1, 0, 1), P(1, 1, 1), P(0, 1, 1)), // top, +z
            (P(0, 0, 0), P(1, 0, 0), P(1, 0, 1), P(0, 0, 1)), // front, -y
            (P(0, 1, 0), P(0, 1, 1), P(1, 1, 1), P(1, 1, 0)), // back, +y
            (P(0, 0, 0), P(0, 0, 1), P(0, 1, 1), P(0, 1, 0)), // left, -x
            (P(1, 0, 0), P(1, 1, 0), P(1, 1, 1), P(1, 0, 1)), // right, +x
        };
        var triangles = new List<Triangle>();
        foreach (var (a, b, c, d) in quads)
        {
            triangles.Add(new Triangle(a, b, c));
            triangles.Add(new Triangle(a, c, d));
        }

        return triangles;
    }

    public static Mesh Build(IEnumerable<Triangle> triangles, LengthUnit unit = LengthUnit.Millimeter)
    {
        var builder = new MeshBuilder(unit);
        foreach (var t in triangles)
        {
            builder.Add(t);
        }

        return builder.Build();
    }
}
