using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Production;

/// <summary>The production route and UDI-DI per device category are configuration, checked at start-up (HRD-02): a bad one stops the server naming the setting.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProductionOptionsTests
{
    [Theory]
    [Trait("Requirement", "R-TRACE-1")]
    [Trait("TestPlan", "HRD-02")]
    [InlineData("Production__Categories__CranialPlate__Gtin", "06901234000017", "Production:Categories:CranialPlate:Gtin")]
    [InlineData("Production__Categories__CranialPlate__Route__0__Kind", "Printing", "Production:Categories:CranialPlate:Route")]
    [InlineData("Production__Categories__Teapot__Gtin", "06901234000016", "Production:Categories:Teapot")]
    [InlineData("Production__Categories__SurgicalGuide__FollowUpMonths__0", "0", "Production:Categories:SurgicalGuide:FollowUpMonths")]
    public async Task Serve_BadProductionSetting_RefusesNamingIt(string variable, string value, string setting)
    {
        using var data = new TempDirectory();

        var result = await ServerProcess.RunCliAsync(["serve", "--data", data.Path, "--urls", "http://127.0.0.1:0"], new Dictionary<string, string?> { [variable] = value });

        Assert.Equal(78, result.ExitCode);
        Assert.Contains(setting, result.StandardError, StringComparison.Ordinal);
    }
}
