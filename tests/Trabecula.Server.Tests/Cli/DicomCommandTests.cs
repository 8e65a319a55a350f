using System.Text.Json.Nodes;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Cli;

/// <summary>`trabecula dicom inspect|deid|validate` on a series made by pydicom (tools/fixtures/make-ct-series.py), through the real executable.</summary>
public sealed class DicomCommandTests
{
    [Fact]
    [Trait("Requirement", "R-DATA-1")]
    [Trait("Requirement", "R-DATA-6")]
    [Trait("TestPlan", "UP-08")]
    public async Task InspectDeidValidate_OnARealSeries()
    {
        using var work = new TempDirectory();
        var series = work.Combine("series");
        var made = await ProcessRunner.RunAsync("/usr/bin/python3", [Path.Combine(RepositoryPaths.Root, "tools", "fixtures", "make-ct-series.py"), series, "-n", "4", "--rows", "64", "--cols", "64"]);
        Assert.True(made.ExitCode == 0, made.StandardError);
        var first = Directory.GetFiles(series).Order(StringComparer.Ordinal).First();

        var inspect = await ServerProcess.RunCliAsync(["dicom", "inspect", series, "--json"]);
        Assert.True(inspect.ExitCode == 0, inspect.StandardError);
        var summary = JsonNode.Parse(inspect.StandardOutput)!.AsArray().Single()!;
        Assert.Equal(4, (int)summary["sliceCount"]!);
        Assert.Equal("CT", (string?)summary["modality"]);
        Assert.Equal(64, (int)summary["rows"]!);

        var one = await ServerProcess.RunCliAsync(["dicom", "inspect", first, "--json"]);
        Assert.Equal(0, one.ExitCode);
        Assert.Equal("CT", (string?)JsonNode.Parse(one.StandardOutput)!["00080060"]!["Value"]![0]);
        Assert.Null(JsonNode.Parse(one.StandardOutput)!["7FE00010"]?["InlineBinary"]);

        // De-identification: the same secret gives the same UIDs; the patient's name is gone.
        var deid = await ServerProcess.RunCliAsync(["dicom", "deid", series, work.Combine("out"), "--secret", "case-42", "--pseudonym", "P-7F3A9C", "--keep-device"]);
        Assert.True(deid.ExitCode == 0, deid.StandardError);
        Assert.Equal(4, Directory.GetFiles(work.Combine("out")).Length);
        var original = await File.ReadAllTextAsync(first, System.Text.Encoding.Latin1);
        var name = JsonNode.Parse(one.StandardOutput)!["00100010"]!["Value"]![0]!["Alphabetic"]!.GetValue<string>();
        foreach (var file in Directory.GetFiles(work.Combine("out")))
        {
            Assert.DoesNotContain(name, await File.ReadAllTextAsync(file, System.Text.Encoding.Latin1), StringComparison.Ordinal);
        }

        var outInspect = JsonNode.Parse((await ServerProcess.RunCliAsync(["dicom", "inspect", Path.Combine(work.Combine("out"), Path.GetFileName(first)), "--json"])).StandardOutput)!;
        Assert.Equal("P-7F3A9C", (string?)outInspect["00100010"]!["Value"]![0]!["Alphabetic"]);
        Assert.StartsWith("2.25.", (string?)outInspect["0020000D"]!["Value"]![0], StringComparison.Ordinal);
        Assert.Contains(name, original, StringComparison.Ordinal);

        // Validate: the series passes; a truncated copy fails with its reason and a non-zero exit.
        Assert.Equal(0, (await ServerProcess.RunCliAsync(["dicom", "validate", series])).ExitCode);
        var bytes = await File.ReadAllBytesAsync(first);
        var broken = work.Combine("broken.dcm");
        await File.WriteAllBytesAsync(broken, bytes[..700]);
        var invalid = await ServerProcess.RunCliAsync(["dicom", "validate", broken]);
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("broken.dcm", invalid.StandardError, StringComparison.Ordinal);
        Assert.Contains("0 of 1", invalid.StandardOutput, StringComparison.Ordinal);
    }
}
