using System.Numerics;
using Trabecula.Server.Features.Designs;

namespace Trabecula.Server.Tests.Designs;

/// <summary>The comparison's distance measure against distances known by construction.</summary>
public sealed class SurfaceDeviationTests
{
    [Fact]
    [Trait("Requirement", "R-DES-1")]
    public void PointsAboveAPlane_MeasureTheirHeight_AndPointsBesideItTheirDistanceToTheEdge()
    {
        // A 100 × 100 mm square at z = 0 made of two triangles.
        Vector3[] vertices = [new(0, 0, 0), new(100, 0, 0), new(100, 100, 0), new(0, 100, 0)];
        int[] indices = [0, 1, 2, 0, 2, 3];
        Vector3[] points = [new(50, 50, 2), new(10, 90, -0.5f), new(103, 50, 4), new(25, 25, 0)];

        var result = SurfaceDeviation.Measure(points, vertices, indices, maxPoints: 1000);

        Assert.Equal(2, result.PerVertexMm[0], 4);
        Assert.Equal(0.5, result.PerVertexMm[1], 4);
        Assert.Equal(5, result.PerVertexMm[2], 4);
        Assert.Equal(0, result.PerVertexMm[3], 4);
        Assert.Equal(5, result.MaxMm, 4);
        Assert.Equal(4, result.Sampled);
        Assert.False(result.Capped);
    }

    [Fact]
    [Trait("Requirement", "R-DES-1")]
    public void ManyPoints_AreSampledUpToTheBound_AndEveryPointGetsAValue()
    {
        Vector3[] vertices = [new(0, 0, 0), new(10, 0, 0), new(0, 10, 0)];
        int[] indices = [0, 1, 2];
        var points = Enumerable.Range(0, 10_000).Select(i => new Vector3(1, 1, 1 + (i % 7))).ToArray();

        var result = SurfaceDeviation.Measure(points, vertices, indices, maxPoints: 1000);

        Assert.True(result.Capped);
        Assert.Equal(1000, result.Sampled);
        Assert.All(result.PerVertexMm, d => Assert.InRange(d, 1, 7));
    }
}
