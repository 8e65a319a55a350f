using System.Net;
using System.Text.Json.Nodes;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Production;

/// <summary>
/// The label PDF, read by outside tools: poppler renders it (pdftoppm) and reads its text
/// (pdftotext), ZBar decodes its QR code (zbarimg). The code must give back exactly the GS1 data.
/// </summary>
public sealed class LabelTests
{
    [Fact]
    [Trait("Requirement", "R-TRACE-1")]
    public async Task Label_QrDecodesToTheElementString_TextShowsOrderPatientAndParties()
    {
        await using var world = await ProductionWorld.CreateAsync(DatabaseKind.Sqlite);
        var id = await ProductionFlow.OrderInManufacturingAsync(world);
        var records = await ProductionFlow.FactoryRecordsAsync(world.Operator);
        using (var early = await world.Operator.GetAsync(new Uri($"/api/orders/{id}/production/label.pdf", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        }

        var device = await ProductionFlow.ReleasedAsync(world, id, records);
        var order = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders/{id}", UriKind.Relative)))!;

        using var response = await world.Inspector.GetAsync(new Uri($"/api/orders/{id}/production/label.pdf", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        using var folder = new TempDirectory();
        var pdf = Path.Combine(folder.Path, "label.pdf");
        await File.WriteAllBytesAsync(pdf, await response.Content.ReadAsByteArrayAsync());

        var render = await ProcessRunner.RunAsync("pdftoppm", ["-r", "400", "-png", "-singlefile", pdf, Path.Combine(folder.Path, "label")]);
        Assert.True(render.ExitCode == 0, render.StandardError);
        var scan = await ProcessRunner.RunAsync("zbarimg", ["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", Path.Combine(folder.Path, "label.png")]);
        Assert.True(scan.ExitCode == 0, scan.StandardError);
        Assert.Equal((string?)device["encoded"], scan.StandardOutput.TrimEnd('\n'));

        var text = await ProcessRunner.RunAsync("pdftotext", ["-layout", pdf, "-"]);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains(ProductionWorld.DeviceName, text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains((string)order["number"]!, text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains((string)order["pseudonym"]!, text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("示范增材制造工厂", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("示范器械注册人", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Steam ST-2026-1201-01", text.StandardOutput, StringComparison.Ordinal);
        Assert.Contains((string)device["elementString"]!, text.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("张三", text.StandardOutput, StringComparison.Ordinal);
    }
}
