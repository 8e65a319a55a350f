using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Designs;

/// <summary>The review page, the order page's design panel and the printable signature record.</summary>
public sealed partial class DesignPagesTests
{
    [Fact]
    [Trait("Requirement", "R-DES-1")]
    [Trait("TestPlan", "INT-04")]
    [Trait("TestPlan", "SES-05")]
    public async Task Pages_ShowTheSignatureWithNameTimeMeaningAndStatus_AndTheImportMapIsTheOneTheCspAllows()
    {
        await using var world = await DesignFlow.CreateWorldAsync(DatabaseKind.Sqlite);
        var id = await DesignFlow.OrderInDesigningAsync(world);
        await DesignFlow.ApproveAndReleaseAsync(world, id);

        using var review = await world.Physician.GetAsync(new Uri($"/orders/{id}/design", UriKind.Relative));
        var html = await review.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, review.StatusCode);
        Assert.Contains("id=\"design-viewer\"", html, StringComparison.Ordinal);
        Assert.Contains("测试dr.li", html, StringComparison.Ordinal);
        Assert.Contains("110110000012345", html, StringComparison.Ordinal);
        Assert.Contains("data-status=\"valid\"", html, StringComparison.Ordinal);

        // The inline import map is allowed by its hash and by nothing else.
        var map = ImportMapPattern().Match(html).Groups[1].Value;
        Assert.True(map.Length > 0, "no import map on the page");
        var hash = "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(map))) + "'";
        var csp = review.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self' " + hash + ";", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);

        // The order page, for the factory too: who signed, when, what it means, and that it still holds.
        var order = await world.Operator.GetStringAsync(new Uri($"/orders/{id}", UriKind.Relative));
        Assert.Contains("id=\"design-summary\"", order, StringComparison.Ordinal);
        Assert.Contains("测试dr.li", order, StringComparison.Ordinal);
        Assert.Contains("class=\"order-signature\" data-status=\"valid\"", order, StringComparison.Ordinal);
        Assert.Contains("id=\"order-package\"", order, StringComparison.Ordinal);

        // The printout: name, time, meaning, the files' hashes and the signature.
        var signatureId = (string)(await DesignFlow.OverviewAsync(world.Physician, id))["signatures"]![0]!["id"]!;
        var print = await world.Physician.GetStringAsync(new Uri($"/orders/{id}/design/signatures/{signatureId}/print", UriKind.Relative));
        Assert.Contains("测试dr.li", print, StringComparison.Ordinal);
        Assert.Contains("approve for manufacture", print, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(await DesignSamples.PlateBytesAsync())), print, StringComparison.Ordinal);
        Assert.Contains("BEGIN PUBLIC KEY", print, StringComparison.Ordinal);
    }

    [GeneratedRegex("<script type=\"importmap\">(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex ImportMapPattern();
}
