using System.Numerics;
using System.Text.Json;
using Trabecula.Mesh.Tests.TestSupport;

namespace Trabecula.Mesh.Tests;

public sealed class MeshReportJsonTests
{
    [Fact]
    public void ToJson_Cube_HasTheCliShape()
    {
        var report = Meshes.Build(Meshes.Cube(new Vector3(-1, 0, 2), 1), LengthUnit.Centimeter).Check();

        using var json = JsonDocument.Parse(report.ToJson());
        var root = json.RootElement;

        Assert.Equal(
            ["triangles", "vertices", "unit", "volumeMm3", "areaMm2", "bboxMinMm", "bboxMaxMm", "closed", "manifold", "consistentlyOriented", "degenerateTriangles", "shells"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(12, root.GetProperty("triangles").GetInt32());
        Assert.Equal(8, root.GetProperty("vertices").GetInt32());
        Assert.Equal("centimeter", root.GetProperty("unit").GetString());
        Assert.Equal(1000, root.GetProperty("volumeMm3").GetDouble(), 9);
        Assert.Equal(600, root.GetProperty("areaMm2").GetDouble(), 9);
        Assert.Equal([-10.0, 0, 20], root.GetProperty("bboxMinMm").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal([0.0, 10, 30], root.GetProperty("bboxMaxMm").EnumerateArray().Select(e => e.GetDouble()));
        Assert.True(root.GetProperty("closed").GetBoolean());
        Assert.True(root.GetProperty("manifold").GetBoolean());
        Assert.True(root.GetProperty("consistentlyOriented").GetBoolean());
        Assert.Equal(0, root.GetProperty("degenerateTriangles").GetInt32());
        Assert.Equal(1, root.GetProperty("shells").GetInt32());
    }
}
