using System.Net;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Cli;

/// <summary>The run command as a user types it: the real executable on a real socket.</summary>
public sealed class LiveServerTests
{
    [Fact]
    public async Task Serve_Sqlite_IsReadyAndServesTheUi()
    {
        using var data = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(data.Path);
        using var client = server.CreateClient();

        var html = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        using var css = await client.GetAsync(new Uri("/lib/bootstrap/bootstrap.min.css", UriKind.Relative));

        Assert.Contains("平台概览", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
        Assert.Contains("\"LogLevel\":\"Information\"", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_PostgreSql_IsReady()
    {
        using var data = new TempDirectory();
        var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

        await using var server = await ServerProcess.StartAsync(data.Path, new Dictionary<string, string?>
        {
            ["Database__Provider"] = "PostgreSQL",
            ["Database__ConnectionString"] = connectionString,
        });
        using var client = server.CreateClient();
        var html = await client.GetStringAsync(new Uri("/", UriKind.Relative));

        Assert.Contains("PostgreSQL", html, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(data.Path, "trabecula.db")));
    }
}
