using System.Net;
using System.Text.Json;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Hosting;

public sealed class HealthTests
{
    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    public async Task Ready_FreshInstallation_ReportsDatabaseAndStorageHealthy(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Live_AnswersWithoutChecks()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Empty(body.RootElement.GetProperty("checks").EnumerateObject());
    }

    [Fact]
    public async Task Ready_DataFolderNotWritable_ReportsUnhealthy()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        using var client = factory.CreateClient();
        using (var first = await client.GetAsync(new Uri("/health/ready", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        // Permission bits do not stop root, so put a regular file where the data folder was:
        // every write below it then fails, whoever the process runs as.
        var keys = Path.Combine(factory.DataDirectory, "keys");
        var dataParent = factory.DataDirectory;
        var moved = dataParent + "-moved";
        Directory.Move(dataParent, moved);
        await File.WriteAllTextAsync(dataParent, "not a folder");
        try
        {
            using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.Contains("\"storage\":{\"status\":\"Unhealthy\"", text, StringComparison.Ordinal);
            Assert.DoesNotContain(dataParent, text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(dataParent);
            Directory.Move(moved, dataParent);
            Assert.True(Directory.Exists(keys));
        }
    }
}
