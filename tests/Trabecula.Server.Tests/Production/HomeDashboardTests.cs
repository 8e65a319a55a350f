using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Production;

/// <summary>Overdue follow-ups on the physician's home dashboard (R-TRACE-2).</summary>
public sealed class HomeDashboardTests
{
    [Fact]
    [Trait("Requirement", "R-TRACE-2")]
    public async Task HomeDashboard_ListsTheInstitutionsOverdueFollowUps_ForItsPhysicians()
    {
        await using var world = await ProductionWorld.CreateAsync(DatabaseKind.Sqlite);
        var id = await ProductionFlow.OrderInManufacturingAsync(world);
        var device = await ProductionFlow.ReleasedAsync(world, id, await ProductionFlow.FactoryRecordsAsync(world.Operator));
        await ProductionFlow.ShipAndReceiveAsync(world.Operator, world.Physician, id);
        await ProductionFlow.MoveAsync(world.Physician, id, "Delivered");

        // A surgery a year and more ago: every follow-up but none recorded is overdue today.
        var surgery = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime).AddMonths(-13).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        using var used = await world.Physician.PostAsJsonAsync($"/api/orders/{id}/surgical-use", new { surgeryDate = surgery, surgeon = "李主任", deviceCode = (string)device["encoded"]!, fit = "Fits" });
        Assert.Equal(HttpStatusCode.Created, used.StatusCode);
        var plan = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders/{id}/follow-ups", UriKind.Relative)))!["followUps"]!.AsArray();
        Assert.All(plan, f => Assert.True((bool)f!["overdue"]!));
        await ProductionFlow.MoveAsync(world.Physician, id, "Used");
        (await world.Physician.PostAsJsonAsync($"/api/orders/{id}/follow-ups/{plan[0]!["id"]}", new { performedOn = surgery, outcome = "healed" })).EnsureSuccessStatusCode();

        var home = await world.Physician.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("id=\"overdue-follow-ups\"", home, StringComparison.Ordinal);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(home, "class=\"overdue-follow-up\""));
        var other = await world.OtherHospital.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.DoesNotContain("overdue-follow-ups", other, StringComparison.Ordinal);
    }
}
