using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Cli;

/// <summary>
/// A security product refuses to start misconfigured (HRD-02): the real executable, started
/// with each bad setting, exits non-zero with one line that names the setting.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StartupConfigurationTests
{
    private const int ConfigurationError = 78;

    [Theory]
    [Trait("TestPlan", "HRD-02")]
    [InlineData("Server__Port", "-1", "Server:Port")]
    [InlineData("Server__Port", "70000", "Server:Port")]
    [InlineData("Server__Port", "abc", "Server:Port")]
    [InlineData("Database__Provider", "Oracle", "Database:Provider")]
    [InlineData("Database__CommandTimeoutSeconds", "0", "Database:CommandTimeoutSeconds")]
    [InlineData("Localization__DefaultCulture", "fr-FR", "Localization:DefaultCulture")]
    [InlineData("Server__CertificatePath", "/nonexistent/cert.pfx", "Server:CertificatePath")]
    [InlineData("MasterKey__Base64", "c2hvcnQ=", "MasterKey:Base64")]
    public async Task Serve_BadSetting_RefusesWithOneLineNamingIt(string variable, string value, string setting)
    {
        using var data = new TempDirectory();

        var result = await ServerProcess.RunCliAsync(["serve", "--data", data.Path, "--urls", "http://127.0.0.1:0"], new Dictionary<string, string?> { [variable] = value });

        Assert.Equal(ConfigurationError, result.ExitCode);
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("trabecula: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(setting, lines[0], StringComparison.Ordinal);
    }

    [Fact]
    [Trait("TestPlan", "HRD-02")]
    public async Task Serve_PostgreSqlWithoutConnectionString_Refuses()
    {
        using var data = new TempDirectory();

        var result = await ServerProcess.RunCliAsync(["serve", "--data", data.Path], new Dictionary<string, string?> { ["Database__Provider"] = "PostgreSQL" });

        Assert.Equal(ConfigurationError, result.ExitCode);
        Assert.Contains("Database:ConnectionString", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("TestPlan", "HRD-02")]
    [Trait("TestPlan", "CRY-01")]
    public async Task FirstStart_CreatesOwnerOnlyDataFolderAndMasterKey()
    {
        using var parent = new TempDirectory();
        var data = parent.Combine("fresh");

        var result = await ServerProcess.RunCliAsync(["db", "migrate", "--data", data]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Created a new master key", result.StandardError, StringComparison.Ordinal);
        var key = Path.Combine(data, "master.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
        Assert.Equal(32, Convert.FromBase64String(await File.ReadAllTextAsync(key)).Length);
        Assert.True(File.Exists(Path.Combine(data, "trabecula.db")));

        var again = await ServerProcess.RunCliAsync(["db", "migrate", "--data", data]);
        Assert.Equal(0, again.ExitCode);
        Assert.DoesNotContain("Created a new master key", again.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("TestPlan", "HRD-02")]
    public async Task Serve_MasterKeyReadableByOthers_Refuses()
    {
        using var data = new TempDirectory();
        var key = data.Combine("operator.key");
        await File.WriteAllTextAsync(key, Convert.ToBase64String(new byte[32]));
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var result = await ServerProcess.RunCliAsync(["serve", "--data", data.Path], new Dictionary<string, string?> { ["MasterKey__File"] = key });

        Assert.Equal(ConfigurationError, result.ExitCode);
        Assert.Contains("MasterKey:File", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("chmod 600", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("TestPlan", "HRD-02")]
    public async Task Serve_ConfiguredMasterKeyFileMissing_Refuses()
    {
        using var data = new TempDirectory();

        var result = await ServerProcess.RunCliAsync(["serve", "--data", data.Path], new Dictionary<string, string?> { ["TRABECULA_MASTER_KEY_FILE"] = data.Combine("absent.key") });

        Assert.Equal(ConfigurationError, result.ExitCode);
        Assert.Contains("does not exist", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(data.Combine("master.key")));
    }
}
