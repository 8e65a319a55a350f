using System.Text.Json.Nodes;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Cli;

/// <summary>
/// The `trabecula` launcher (src/Trabecula.Launcher, published as a native executable) runs the
/// library verbs itself and hands every other verb to the server. These tests run its managed
/// build as a process, the same code the native one is compiled from.
/// </summary>
public sealed class LauncherTests
{
    private static Task<ProcessResult> Launch(IEnumerable<string> arguments, string? server = null) =>
        ProcessRunner.RunAsync("dotnet", [RepositoryPaths.LauncherDll, .. arguments],
            new Dictionary<string, string?> { ["TRABECULA_SERVER"] = server ?? RepositoryPaths.ServerDll }, TimeSpan.FromMinutes(2));

    [Fact]
    [Trait("Requirement", "R-DATA-5")]
    [Trait("TestPlan", "UP-04")]
    public async Task LibraryVerbs_AnswerExactlyAsTheServerExecutableDoes()
    {
        using var work = new TempDirectory();
        var stl = work.Combine("part.stl");
        await File.WriteAllTextAsync(work.Combine("part.scad"), "difference() { cube([20,20,10]); translate([10,10,-1]) cylinder(r=4, h=12, $fn=48); }");
        var made = await ProcessRunner.RunAsync("openscad", ["-o", stl, "--export-format", "binstl", work.Combine("part.scad")]);
        Assert.True(made.ExitCode == 0, made.StandardError);
        var series = work.Combine("ct");
        var ct = await ProcessRunner.RunAsync("/usr/bin/python3", [Path.Combine(RepositoryPaths.Root, "tools", "fixtures", "make-ct-series.py"), series, "-n", "4", "--rows", "64", "--cols", "64", "-q"]);
        Assert.True(ct.ExitCode == 0, ct.StandardError);

        foreach (string[] verb in (string[][])[["mesh", "inspect", stl, "--json"], ["dicom", "inspect", series, "--json"], ["dicom", "validate", series]])
        {
            var launcher = await Launch(verb);
            var server = await ServerProcess.RunCliAsync(verb);
            Assert.True(launcher.ExitCode == 0, launcher.StandardError);
            Assert.Equal(server.ExitCode, launcher.ExitCode);
            Assert.Equal(server.StandardOutput, launcher.StandardOutput);
        }

        // The block minus its 48-sided hole: 4000 - 10 * 24 * 4^2 * sin(2pi/48) = 3498.8 mm3.
        Assert.InRange((double)JsonNode.Parse((await Launch(["mesh", "inspect", stl, "--json"])).StandardOutput)!["volumeMm3"]!, 3498.0, 3499.5);

        // A file that does not parse: exit 1 and one line, as from the server.
        var truncated = work.Combine("truncated.stl");
        await File.WriteAllBytesAsync(truncated, (await File.ReadAllBytesAsync(stl))[..200]);
        var bad = await Launch(["mesh", "inspect", truncated]);
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith("trabecula: ", bad.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", bad.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, (await Launch(["mesh", "inspect", work.Combine("missing.stl")])).ExitCode);
    }

    [Fact]
    public async Task OtherVerbs_AreHandedToTheServer_WithTheirOutputAndExitCode()
    {
        var version = await Launch(["version"]);
        Assert.True(version.ExitCode == 0, version.StandardError);
        Assert.Equal((await ServerProcess.RunCliAsync(["version"])).StandardOutput, version.StandardOutput);

        // The server's own usage error (exit 2) comes back unchanged.
        var unknown = await Launch(["frobnicate"]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("frobnicate", unknown.StandardError, StringComparison.Ordinal);

        // Help lists the server's verbs, not only the library's.
        var help = await Launch(["--help"]);
        Assert.Contains("serve", help.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("audit", help.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingServer_IsNamed_WithExit127()
    {
        using var work = new TempDirectory();
        var result = await Launch(["version"], server: work.Combine("no-such-server"));
        Assert.Equal(127, result.ExitCode);
        Assert.Contains("TRABECULA_SERVER", result.StandardError, StringComparison.Ordinal);
    }
}
