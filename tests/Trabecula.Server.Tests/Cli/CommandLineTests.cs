using System.Text.RegularExpressions;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Cli;

public sealed class CommandLineTests
{
    [Fact]
    public async Task Version_PrintsSemanticVersion()
    {
        var result = await ServerProcess.RunCliAsync(["version"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(new Regex(@"^Trabecula \d+\.\d+\.\d+"), result.StandardOutput);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("serve --help")]
    [InlineData("db --help")]
    [InlineData("db migrate --help")]
    [InlineData("demo seed --help")]
    [InlineData("version --help")]
    public async Task Help_WorksOnEveryVerb(string arguments)
    {
        var result = await ServerProcess.RunCliAsync(arguments.Split(' '));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("--data", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serv")]
    [InlineData("db migrat")]
    public async Task UnknownVerb_FailsWithUsageMessage(string arguments)
    {
        using var data = new TempDirectory();

        var result = await ServerProcess.RunCliAsync([.. arguments.Split(' '), "--data", data.Path]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.False(File.Exists(data.Combine("trabecula.db")), "a mistyped verb must not start anything");
    }

    [Fact]
    [Trait("Requirement", "R-ORG-1")]
    [Trait("Requirement", "R-ORG-2")]
    public async Task DemoSeed_PrintsOneTimePasswordsOnce()
    {
        using var data = new TempDirectory();

        var first = await ServerProcess.RunCliAsync(["demo", "seed", "--data", data.Path]);
        var second = await ServerProcess.RunCliAsync(["demo", "seed"], new Dictionary<string, string?> { ["TRABECULA_DATA"] = data.Path });

        Assert.Equal(0, first.ExitCode);
        var rows = first.StandardOutput.Split('\n').Where(l => l.StartsWith("demo.", StringComparison.Ordinal)).ToList();
        Assert.Equal(11, rows.Count);
        Assert.All(rows, row => Assert.Matches(new Regex(@"^demo\.\S+\s+\w+\s+[A-Za-z0-9]{16}\s+\S"), row));
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(11, Regex.Count(second.StandardOutput, @"\(exists, unchanged\)"));
        Assert.DoesNotContain("\"LogLevel\"", first.StandardOutput, StringComparison.Ordinal);
    }
}
