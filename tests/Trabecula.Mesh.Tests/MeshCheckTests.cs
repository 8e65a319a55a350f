using System.Numerics;
using Trabecula.Mesh.Stl;
using Trabecula.Mesh.Tests.TestSupport;

namespace Trabecula.Mesh.Tests;

public sealed class MeshCheckTests
{
    [Fact]
    [Trait("Requirement", "R-DATA-5")]
    public void Check_Cube_IsClosedOrientedOneShell()
    {
        var report = Meshes.Build(Meshes.Cube(Vector3.Zero, 10)).Check();

        Assert.Equal(12, report.Triangles);
        Assert.Equal(8, report.Vertices);
        Assert.Equal(1000, report.VolumeMm3, 9);
        Assert.Equal(600, report.AreaMm2, 9);
        Assert.True(report.Closed);
        Assert.True(report.Manifold);
        Assert.Equal(0, report.NonManifoldVertices);
        Assert.True(report.ConsistentlyOriented);
        Assert.Equal(1, report.Shells);
        Assert.Equal(new Vector3(10, 10, 10), report.BoundingBoxMaxMm);
    }

    [Fact]
    public void Check_CubeMissingFace_IsNotClosed()
    {
        var triangles = Meshes.Cube(Vector3.Zero, 10);
        triangles.RemoveRange(0, 2);

        var report = Meshes.Build(triangles).Check();

        Assert.False(report.Closed);
        Assert.True(report.Manifold);
        Assert.Equal(4, report.BoundaryEdges);
    }

    [Fact]
    public void Check_FlippedFace_IsNotConsistentlyOriented()
    {
        var triangles = Meshes.Cube(Vector3.Zero, 10);
        var t = triangles[3];
        triangles[3] = new Triangle(t.A, t.C, t.B);

        var report = Meshes.Build(triangles).Check();

        Assert.True(report.Closed);
        Assert.False(report.ConsistentlyOriented);
    }

    [Fact]
    public void Check_TwoSeparateCubes_HasTwoShells()
    {
        var triangles = Meshes.Cube(Vector3.Zero, 10);
        triangles.AddRange(Meshes.Cube(new Vector3(20, 0, 0), 5));

        var report = Meshes.Build(triangles).Check();

        Assert.Equal(2, report.Shells);
        Assert.Equal(1125, report.VolumeMm3, 9);
        Assert.True(report.Closed);
    }

    [Fact]
    public void Check_CubesTouchingAtACorner_AreNotManifold()
    {
        var triangles = Meshes.Cube(Vector3.Zero, 10);
        triangles.AddRange(Meshes.Cube(new Vector3(10, 10, 10), 10));

        var report = Meshes.Build(triangles).Check();

        Assert.Equal(1, report.NonManifoldVertices);
        Assert.Equal(0, report.NonManifoldEdges);
        Assert.False(report.Manifold);
        Assert.True(report.Closed);
        Assert.Equal(1, report.Shells);
    }

    [Fact]
    public void Check_OpenMesh_BoundaryVerticesAreManifold()
    {
        var triangles = Meshes.Cube(Vector3.Zero, 10);
        triangles.RemoveRange(0, 2);

        Assert.Equal(0, Meshes.Build(triangles).Check().NonManifoldVertices);
    }

    [Fact]
    public void Check_InsideOutCube_HasNegativeVolume()
    {
        var triangles = Meshes.Cube(Vector3.Zero, 10).Select(t => new Triangle(t.A, t.C, t.B));

        var report = Meshes.Build(triangles).Check();

        Assert.Equal(-1000, report.VolumeMm3, 9);
        Assert.True(report.ConsistentlyOriented);
    }

    [Fact]
    public void Check_DegenerateTriangle_IsCounted()
    {
        var triangles = Meshes.Cube(Vector3.Zero, 10);
        triangles.Add(new Triangle(Vector3.Zero, new Vector3(5, 0, 0), new Vector3(10, 0, 0)));
        triangles.Add(new Triangle(Vector3.Zero, Vector3.Zero, new Vector3(10, 0, 0)));

        var report = Meshes.Build(triangles).Check();

        Assert.Equal(2, report.DegenerateTriangles);
    }

    [Fact]
    public void Check_ThreeTrianglesOnOneEdge_IsNotManifold()
    {
        var triangles = Meshes.Cube(Vector3.Zero, 10);
        triangles.Add(new Triangle(Vector3.Zero, new Vector3(0, 10, 0), new Vector3(-5, 5, -5)));

        var report = Meshes.Build(triangles).Check();

        Assert.False(report.Manifold);
        Assert.False(report.Closed);
    }

    [Fact]
    public void Check_InchUnit_ReportsMillimeters()
    {
        var report = Meshes.Build(Meshes.Cube(Vector3.Zero, 1), LengthUnit.Inch).Check();

        Assert.Equal(LengthUnit.Inch, report.Unit);
        Assert.Equal(25.4 * 25.4 * 25.4, report.VolumeMm3, 6);
        Assert.Equal(25.4f, report.BoundingBoxMaxMm.X, 4);
    }

    [Fact]
    public void Check_NegativeZeroAndZero_Weld()
    {
        var triangles = Meshes.Cube(Vector3.Zero, 10);
        var t = triangles[0];
        triangles[0] = t with { A = new Vector3(-0f, -0f, -0f) };

        Assert.Equal(8, Meshes.Build(triangles).Check().Vertices);
    }

    [Fact]
    [Trait("Requirement", "R-DATA-5")]
    public void Check_OpenScadCube_MatchesAdmesh()
    {
        using var dir = new TempDir();
        var path = Tools.OpenScad(dir, "translate([1,2,3]) cube([10,20,30]);", "cube.stl", "binstl");
        var oracle = Tools.Admesh(path);

        var report = StlReader.ReadMesh(path).Check();

        Assert.Equal(oracle.Facets, report.Triangles);
        Assert.Equal(oracle.Volume, report.VolumeMm3, 1e-3);
        Assert.Equal(6000, report.VolumeMm3, 1e-6);
        Assert.Equal(2 * ((10 * 20) + (20 * 30) + (10 * 30)), report.AreaMm2, 1e-6);
        Assert.True(report.Closed);
    }
}
