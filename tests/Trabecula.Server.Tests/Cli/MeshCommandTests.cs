using System.Globalization;
using System.Text.Json.Nodes;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Cli;

/// <summary>`trabecula mesh inspect|convert` on a model OpenSCAD made, through the real executable.</summary>
public sealed class MeshCommandTests
{
    [Fact]
    [Trait("Requirement", "R-DATA-5")]
    [Trait("TestPlan", "UP-04")]
    public async Task InspectAndConvert_OnAnOpenScadCube()
    {
        using var work = new TempDirectory();
        var stl = work.Combine("cube.stl");
        await File.WriteAllTextAsync(work.Combine("cube.scad"), "cube([10,20,5]);");
        var made = await ProcessRunner.RunAsync("openscad", ["-o", stl, "--export-format", "binstl", work.Combine("cube.scad")]);
        Assert.True(made.ExitCode == 0, made.StandardError);

        var inspect = await ServerProcess.RunCliAsync(["mesh", "inspect", stl, "--json"]);
        Assert.True(inspect.ExitCode == 0, inspect.StandardError);
        var report = JsonNode.Parse(inspect.StandardOutput)!;
        Assert.Equal(12, (int)report["triangles"]!);
        Assert.Equal(1000.0, (double)report["volumeMm3"]!, 3);
        Assert.Equal(700.0, (double)report["areaMm2"]!, 3);
        Assert.True((bool)report["closed"]!);
        Assert.Equal(1, (int)report["shells"]!);

        // STL → AMF → the same report.
        var amf = work.Combine("cube.amf");
        var convert = await ServerProcess.RunCliAsync(["mesh", "convert", stl, amf]);
        Assert.True(convert.ExitCode == 0, convert.StandardError);
        var again = JsonNode.Parse((await ServerProcess.RunCliAsync(["mesh", "inspect", amf, "--json"])).StandardOutput)!;
        Assert.Equal(((double)report["volumeMm3"]!).ToString("F3", CultureInfo.InvariantCulture), ((double)again["volumeMm3"]!).ToString("F3", CultureInfo.InvariantCulture));

        // A truncated model: exit 1, one line naming the problem, no stack trace.
        var truncated = work.Combine("truncated.stl");
        await File.WriteAllBytesAsync(truncated, (await File.ReadAllBytesAsync(stl))[..300]);
        var bad = await ServerProcess.RunCliAsync(["mesh", "inspect", truncated]);
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith("trabecula: ", bad.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", bad.StandardError, StringComparison.Ordinal);
    }
}
