using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Production;

/// <summary>
/// Data processing must name the hash of the package the designer released (the files the
/// physician signed): the real package of the designs feature, released in ProductionFlow.
/// </summary>
public sealed class ReleasedPackageTests
{
    [Fact]
    [Trait("Requirement", "R-TRACE-1")]
    [Trait("Requirement", "R-DES-2")]
    [Trait("Requirement", "R-XFER-1")]
    public async Task DataProcessing_MustNameTheReleasedPackagesHash()
    {
        await using var world = await ProductionWorld.CreateAsync(DatabaseKind.Sqlite);
        var id = await ProductionFlow.OrderInManufacturingAsync(world);
        var records = await ProductionFlow.FactoryRecordsAsync(world.Operator);
        var design = JsonNode.Parse(await world.Operator.GetStringAsync(new Uri($"/api/orders/{id}/production", UriKind.Relative)))!["package"]!;
        Assert.Equal("v1", (string?)design["version"]);
        var released = (string)design["sha256"]!;
        Assert.Matches("^[0-9a-f]{64}$", released);

        // Any other hash (here: a package that was never released) is refused, naming the version in force.
        using var wrong = await world.Operator.PostAsJsonAsync($"/api/orders/{id}/production/steps", new
        {
            kind = "DataProcessing", result = "Pass", startedAt = "2026-12-01T00:10:00Z", endedAt = "2026-12-01T00:40:00Z",
            parameters = new Dictionary<string, string> { ["packageSha256"] = new string('b', 64), ["software"] = "Magics", ["softwareVersion"] = "27", ["buildPreparation"] = "30 µm" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("v1", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var right = await world.Operator.PostAsJsonAsync($"/api/orders/{id}/production/steps", new
        {
            kind = "DataProcessing", result = "Pass", startedAt = "2026-12-01T00:10:00Z", endedAt = "2026-12-01T00:40:00Z",
            parameters = new Dictionary<string, string> { ["packageSha256"] = released.ToUpperInvariant(), ["software"] = "Magics", ["softwareVersion"] = "27", ["buildPreparation"] = "30 µm" },
        });
        Assert.Equal(HttpStatusCode.Created, right.StatusCode);
        var view = JsonNode.Parse(await world.Operator.GetStringAsync(new Uri($"/api/orders/{id}/production", UriKind.Relative)))!;
        Assert.Equal("Done", (string?)view["route"]![0]!["status"]);
    }
}
