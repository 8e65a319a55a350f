using System.Numerics;
using Trabecula.Mesh.Tests.TestSupport;

namespace Trabecula.Mesh.Tests;

/// <summary>
/// The open-addressing weld and the per-vertex edge and fan pass give exactly what the
/// straightforward dictionary algorithm gives, on random triangle soups dense enough that edges are
/// shared by one to several triangles in both directions, with degenerate triangles and -0.
/// </summary>
public sealed class MeshCheckEquivalenceTests
{
    [Theory]
    [Trait("Requirement", "R-DATA-5")]
    [InlineData(1, 3, 40)]
    [InlineData(2, 3, 400)]
    [InlineData(3, 4, 2_000)]
    [InlineData(4, 6, 5_000)]
    [InlineData(5, 20, 20_000)]
    [InlineData(6, 2, 30)]
    public void Check_RandomSoup_MatchesReferenceAlgorithm(int seed, int grid, int count)
    {
        var random = new Random(seed);
        float Coordinate() => random.Next(grid) switch { 0 => random.Next(2) == 0 ? -0f : 0f, var k => k * 1.5f };
        Vector3 Corner() => new(Coordinate(), Coordinate(), Coordinate());
        var triangles = new List<Triangle>();
        for (var i = 0; i < count; i++)
        {
            var a = Corner();
            // Some triangles repeat a corner (degenerate), some repeat an earlier triangle reversed.
            triangles.Add(random.Next(10) switch
            {
                0 => new Triangle(a, a, Corner()),
                1 when triangles.Count > 0 => triangles[random.Next(triangles.Count)] is var t ? new Triangle(t.A, t.C, t.B) : default,
                _ => new Triangle(a, Corner(), Corner()),
            });
        }

        AssertSameAsReference(triangles);
    }

    [Theory]
    [InlineData(0, false, false)]
    [InlineData(1, true, false)]
    [InlineData(2, false, true)]
    [InlineData(3, true, true)]
    public void Check_SubdividedCube_MatchesReferenceAlgorithm(int seed, bool flipOne, bool removeOne)
    {
        // A closed, consistently oriented surface of 6 × 2 × 12² triangles, then one defect.
        var triangles = new List<Triangle>();
        foreach (var face in Meshes.Cube(Vector3.Zero, 12))
        {
            triangles.AddRange(Subdivide(face, 12));
        }

        var random = new Random(seed);
        if (flipOne)
        {
            var i = random.Next(triangles.Count);
            triangles[i] = new Triangle(triangles[i].A, triangles[i].C, triangles[i].B);
        }

        if (removeOne)
        {
            triangles.RemoveAt(random.Next(triangles.Count));
        }

        var report = AssertSameAsReference(triangles);
        Assert.Equal(!removeOne, report.Closed);
        Assert.Equal(!flipOne, report.ConsistentlyOriented);
    }

    private static IEnumerable<Triangle> Subdivide(Triangle t, int n)
    {
        // Barycentric grid: n² triangles with the winding of t; corners computed the same way
        // everywhere so that shared corners are bitwise equal.
        Vector3 P(int i, int j) => t.A + ((t.B - t.A) * i / n) + ((t.C - t.A) * j / n);
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; i + j < n; j++)
            {
                yield return new Triangle(P(i, j), P(i + 1, j), P(i, j + 1));
                if (i + j < n - 1)
                {
                    yield return new Triangle(P(i + 1, j), P(i + 1, j + 1), P(i, j + 1));
                }
            }
        }
    }

    private static MeshReport AssertSameAsReference(List<Triangle> triangles)
    {
        var expected = ReferenceChecker.Check(triangles);
        var report = Meshes.Build(triangles).Check();

        Assert.Equal(expected.Triangles, report.Triangles);
        Assert.Equal(expected.Vertices, report.Vertices);
        Assert.Equal(expected.Min, report.BoundingBoxMinMm);
        Assert.Equal(expected.Max, report.BoundingBoxMaxMm);
        Assert.Equal(expected.Area, report.AreaMm2);
        Assert.Equal(expected.Volume, report.VolumeMm3);
        Assert.Equal(expected.Degenerate, report.DegenerateTriangles);
        Assert.Equal(expected.Boundary, report.BoundaryEdges);
        Assert.Equal(expected.NonManifoldEdges, report.NonManifoldEdges);
        Assert.Equal(expected.NonManifoldVertices, report.NonManifoldVertices);
        Assert.Equal(expected.Shells, report.Shells);
        Assert.Equal(expected.Boundary == 0 && expected.NonManifoldEdges == 0, report.Closed);
        Assert.Equal(expected.Misoriented == 0 && expected.NonManifoldEdges == 0, report.ConsistentlyOriented);
        Assert.Equal(expected.NonManifoldEdges == 0 && expected.NonManifoldVertices == 0, report.Manifold);
        return report;
    }

    [Fact]
    public void AddVertex_CountsDuplicatesAcrossTableGrowth()
    {
        var builder = new MeshBuilder();
        var first = new List<int>();
        for (var i = 0; i < 10_000; i++)
        {
            first.Add(builder.AddVertex(new Vector3(i, -i, i * 0.5f)));
        }

        // The same coordinates again (with -0 for +0) weld to the same indices, each a duplicate.
        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(first[i], builder.AddVertex(new Vector3(i, i == 0 ? -0f : -i, i * 0.5f)));
        }

        builder.AddIndexedTriangle(first[0], first[1], first[2]);
        var mesh = builder.Build();
        Assert.Equal(10_000, mesh.Vertices.Length);
        Assert.Equal(10_000, mesh.DuplicateVertices);
        Assert.Equal(Enumerable.Range(0, 10_000), first);
    }
}
