using System.Net;
using System.Text.Json.Nodes;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Production;

/// <summary>The production page of an order and the trace page, server-rendered, for the parties that may see them.</summary>
public sealed class ProductionPagesTests
{
    [Fact]
    [Trait("Requirement", "R-TRACE-1")]
    [Trait("Requirement", "R-TRACE-3")]
    [Trait("TestPlan", "AZ-02")]
    public async Task ProductionAndTracePages_ShowRouteDeviceAndRecall_OutsidersGetNothing()
    {
        await using var world = await ProductionWorld.CreateAsync(DatabaseKind.Sqlite);
        var id = await ProductionFlow.OrderInManufacturingAsync(world);
        var records = await ProductionFlow.FactoryRecordsAsync(world.Operator);
        await ProductionFlow.RecordAsync(world.Operator, id, ProductionFlow.Step("Printing", records, result: "Fail"));

        var page = await world.Operator.GetStringAsync(new Uri($"/orders/{id}/production", UriKind.Relative));
        Assert.Contains("id=\"route-Printing\" class=\"route-step\" data-status=\"Failed\"", page, StringComparison.Ordinal);
        Assert.Contains("id=\"record-step\"", page, StringComparison.Ordinal);
        Assert.Contains("SN-TI-2026-0412", page, StringComparison.Ordinal);
        using var outsider = await world.OtherPlant.GetAsync(new Uri($"/orders/{id}/production", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);

        await ProductionFlow.RecordAsync(world.Operator, id, ProductionFlow.Step("Printing", records));
        var device = await ProductionFlow.ReleasedAsync(world, id, records);
        var released = await world.Inspector.GetStringAsync(new Uri($"/orders/{id}/production", UriKind.Relative));
        Assert.Contains(System.Net.WebUtility.HtmlEncode((string)device["elementString"]!), released, StringComparison.Ordinal);
        Assert.Contains($"/api/orders/{id}/production/label.pdf", released, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"record-step\"", released, StringComparison.Ordinal);

        var trace = await world.Physician.GetStringAsync(new Uri($"/trace?code={Uri.EscapeDataString((string)device["encoded"]!)}", UriKind.Relative));
        Assert.Contains("id=\"trace-history\"", trace, StringComparison.Ordinal);
        Assert.Contains(ProductionWorld.DeviceName, trace, StringComparison.Ordinal);
        var foreign = await world.OtherHospital.GetStringAsync(new Uri($"/trace?code={Uri.EscapeDataString((string)device["encoded"]!)}", UriKind.Relative));
        Assert.Contains("id=\"trace-not-found\"", foreign, StringComparison.Ordinal);
        Assert.DoesNotContain(ProductionWorld.DeviceName, foreign, StringComparison.Ordinal);

        var recall = await world.Operator.GetStringAsync(new Uri($"/trace?materialLotId={records.LotId}", UriKind.Relative));
        Assert.Contains("class=\"recall-row\"", recall, StringComparison.Ordinal);
        Assert.Contains("Hospital A", recall, StringComparison.Ordinal);
        var order = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders/{id}", UriKind.Relative)))!;
        Assert.Contains((string)order["number"]!, recall, StringComparison.Ordinal);
    }
}
