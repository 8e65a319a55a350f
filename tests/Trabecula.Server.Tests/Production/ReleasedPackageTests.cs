using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Features.Production;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Production;

/// <summary>
/// When the designs feature names the released package of an order, data processing must name
/// that package's hash. The designs feature is on another branch: this registers a source that
/// answers what that feature would, for one order, until the lead merges the real one.
/// </summary>
public sealed class ReleasedPackageTests
{
    [Fact]
    [Trait("Requirement", "R-TRACE-1")]
    [Trait("Requirement", "R-DES-2")]
    public async Task DataProcessing_MustNameTheReleasedPackagesHash()
    {
        var package = new ReleasedPackage("v3", new string('b', 64));
        await using var world = await ProductionWorld.CreateAsync(DatabaseKind.Sqlite, services => services.AddScoped<IReleasedPackageSource>(_ => new OnePackage(package)));
        var id = await ProductionFlow.OrderInManufacturingAsync(world);
        var records = await ProductionFlow.FactoryRecordsAsync(world.Operator);

        // ProductionFlow's record names an 'a…' hash: not the released package.
        using var wrong = await world.Operator.PostAsJsonAsync($"/api/orders/{id}/production/steps", ProductionFlow.Step("DataProcessing", records));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("v3", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var right = await world.Operator.PostAsJsonAsync($"/api/orders/{id}/production/steps", new
        {
            kind = "DataProcessing", result = "Pass", startedAt = "2026-12-01T00:10:00Z", endedAt = "2026-12-01T00:40:00Z",
            parameters = new Dictionary<string, string> { ["packageSha256"] = package.Sha256.ToUpperInvariant(), ["software"] = "Magics", ["softwareVersion"] = "27", ["buildPreparation"] = "30 µm" },
        });
        Assert.Equal(HttpStatusCode.Created, right.StatusCode);
        var view = JsonNode.Parse(await world.Operator.GetStringAsync(new Uri($"/api/orders/{id}/production", UriKind.Relative)))!;
        Assert.Equal("v3", (string?)view["package"]!["version"]);
        Assert.Equal("Done", (string?)view["route"]![0]!["status"]);
    }

    private sealed class OnePackage(ReleasedPackage package) : IReleasedPackageSource
    {
        public Task<ReleasedPackage?> CurrentAsync(Guid orderId, CancellationToken cancellationToken) => Task.FromResult<ReleasedPackage?>(package);
    }
}
