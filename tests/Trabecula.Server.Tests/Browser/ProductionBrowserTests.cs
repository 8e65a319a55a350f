using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Trabecula.Server.Tests.Designs;
using Trabecula.Server.Tests.Infrastructure;
using Trabecula.Server.Tests.Production;

namespace Trabecula.Server.Tests.Browser;

/// <summary>
/// Issue "production and traceability", done-when: with the demo seed, the factory's demo users
/// record the route on the production page, the inspector signs the QA steps and releases, the
/// label is printed; on the after-factory page the factory ships, the hospital confirms receipt,
/// the physician records surgery (a wrong device's code is refused first) and the final
/// follow-up; and the trace page finds the device from its label, its lot and its sterilization
/// batch.
/// </summary>
public sealed class ProductionBrowserTests
{
    private const string Lot = "TI-2026-0412";
    private const string Cycle = "ST-2026-1201-01";

    [Fact]
    [Trait("Requirement", "R-TRACE-1")]
    [Trait("Requirement", "R-TRACE-2")]
    [Trait("Requirement", "R-TRACE-3")]
    public async Task FactoryDemoUsers_RecordReleaseLabelAndTrace_InChromium()
    {
        using var data = new TempDirectory();
        var seed = await ServerProcess.RunCliAsync(["demo", "seed", "--data", data.Path]);
        await using var server = await ServerProcess.StartAsync(data.Path);
        var baseUrl = server.BaseAddress.ToString().TrimEnd('/');
        var names = new[] { "demo.physician", "demo.designer", "demo.operator", "demo.inspector" };
        var accounts = new Dictionary<string, DemoAccount>();
        foreach (var name in names)
        {
            accounts[name] = await DemoAccount.SetUpAsync(server, seed.StandardOutput, name);
        }

        using var physicianApi = await DemoApiClient.SignInAsync(server, accounts["demo.physician"]);
        using var designerApi = await DemoApiClient.SignInAsync(server, accounts["demo.designer"]);
        using var operatorApi = await DemoApiClient.SignInAsync(server, accounts["demo.operator"]);

        // The stages before the factory are LifecycleBrowserTests' and DesignBrowserTests'; here they go through the API.
        var orderId = await OrderInManufacturingAsync(physicianApi, designerApi, operatorApi, accounts["demo.physician"]);
        var orderNumber = (string)JsonNode.Parse(await operatorApi.GetStringAsync(new Uri($"/api/orders/{orderId}", UriKind.Relative)))!["number"]!;

        // The master records have no page (their API is the factory's ERP's). The demo seed gave the
        // demo factory one of each, so a newcomer can record the steps at once; this test adds its own.
        foreach (var (list, record) in new[] { ("materials", "Ti-6Al-4V ELI"), ("lots", "DEMO-POWDER-0001"), ("machines", "DEMO-M290-0001"), ("sterilization-batches", "DEMO-STEAM-0001") })
        {
            Assert.Contains(record, await operatorApi.GetStringAsync(new Uri("/api/production/" + list, UriKind.Relative)), StringComparison.Ordinal);
        }

        await ProductionFlow.FactoryRecordsAsync(operatorApi, Lot, Cycle);

        // The factory's software reads the released package's hash from the package it processes.
        var packageSha256 = (string)JsonNode.Parse(await operatorApi.GetStringAsync(new Uri($"/api/orders/{orderId}/production", UriKind.Relative)))!["package"]!["sha256"]!;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = HomePageBrowserTests.ChromiumArguments,
        });
        var pages = new Dictionary<string, IPage>();
        foreach (var name in new[] { "demo.physician", "demo.operator", "demo.inspector" })
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
            pages[name] = await context.NewPageAsync();
            HomePageBrowserTests.AllowForLoad(pages[name]);
            await accounts[name].SignInAsync(pages[name], baseUrl);
        }

        var shots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        var orderUrl = $"{baseUrl}/orders/{orderId}";
        var productionUrl = orderUrl + "/production";
        var operatorPage = pages["demo.operator"];
        var inspector = pages["demo.inspector"];
        await operatorPage.GotoAsync(productionUrl);
        Assert.Contains(orderNumber, await operatorPage.InnerTextAsync("#page-title"), StringComparison.Ordinal);
        Assert.Equal("Missing", await operatorPage.GetAttributeAsync("#route-DataProcessing", "data-status"));

        // The operator records each step of the route; the inspector signs the QA steps as they come.
        await RecordStepAsync(operatorPage, productionUrl, "DataProcessing", "2026-12-01T00:10", "2026-12-01T00:40", equipment: "Workstation WS-3",
            parameters: $"packageSha256={packageSha256}\nsoftware=Materialise Magics\nsoftwareVersion=27.0\nbuildPreparation=supports 45°, slices 30 µm");
        await RecordStepAsync(operatorPage, productionUrl, "Printing", "2026-12-01T00:50", "2026-12-01T00:55", machine: "SN-" + Lot, lot: Lot,
            parameters: "buildJobId=BJ-0412\nlayerThicknessUm=30\npowderReuseCount=3\nplatePosition=A2\nlaserPowerW=280");
        await RecordStepAsync(operatorPage, productionUrl, "PostProcessing", "2026-12-01T01:00", "2026-12-01T01:30", equipment: "bench", parameters: "operations=support removal; HIP 920 °C 2 h; polishing");
        await RecordStepAsync(operatorPage, productionUrl, "Cleaning", "2026-12-01T01:00", "2026-12-01T01:30", equipment: "bench", parameters: "method=ultrasonic, neutral detergent");
        await RecordStepAsync(operatorPage, productionUrl, "Disinfection", "2026-12-01T01:00", "2026-12-01T01:30", equipment: "bench", parameters: "agent=75% ethanol");
        await RecordStepAsync(operatorPage, productionUrl, "Sterilization", "2026-12-01T01:00", "2026-12-01T02:00", batch: Cycle, equipment: "Getinge GSS67", parameters: "");
        await SignOffAsync(inspector, productionUrl, "Sterilization");
        await RecordStepAsync(operatorPage, productionUrl, "Inspection", "2026-12-01T02:10", "2026-12-01T02:30", equipment: "CMM Zeiss Contura",
            parameters: "dimensional=within ±0.1 mm of design\nvisual=no defects\nmeasurements=rim 2.02 mm; holes 12/12");
        await SignOffAsync(inspector, productionUrl, "Inspection");

        // QC release is the inspector's; it issues the device identifier.
        await RecordStepAsync(inspector, productionUrl, "QcRelease", "2026-12-01T02:40", "2026-12-01T02:45", parameters: "");
        var elementString = await inspector.InnerTextAsync("#element-string");
        Assert.Matches(@"^\(01\)\d{14}", elementString);
        // The records table shows parameters; the material lot the printing step used is the trace page's to show (below).
        Assert.Contains("buildJobId=BJ-0412", await inspector.InnerTextAsync("#steps"), StringComparison.Ordinal);
        Assert.Contains(Lot, await inspector.InnerTextAsync("#lot"), StringComparison.Ordinal);
        Assert.Equal(8, await inspector.Locator("#steps .step-record").CountAsync());
        Assert.Equal(2, await inspector.Locator("#steps .qa-signed").CountAsync());
        await inspector.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "production-released-zh-CN.png"), FullPage = true });

        // The label: the link's PDF fetched with the inspector's session (headless Chromium has no PDF viewer), rendered to PNG by pdftoppm.
        var labelHref = await inspector.GetAttributeAsync("#label-pdf", "href");
        var label = await inspector.Context.APIRequest.GetAsync(baseUrl + labelHref);
        Assert.Equal(200, label.Status);
        Assert.Equal("application/pdf", label.Headers["content-type"].Split(';')[0]);
        var labelPdf = Path.Combine(data.Path, "label.pdf");
        await File.WriteAllBytesAsync(labelPdf, await label.BodyAsync());
        var render = await ProcessRunner.RunAsync("pdftoppm", ["-r", "300", "-png", "-singlefile", labelPdf, Path.Combine(shots, "production-label")]);
        Assert.True(render.ExitCode == 0, render.StandardError);
        var labelText = await ProcessRunner.RunAsync("pdftotext", ["-layout", labelPdf, "-"]);
        Assert.Contains(elementString, labelText.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(orderNumber, labelText.StandardOutput, StringComparison.Ordinal);

        // The code as a scanner reads it from the label's QR symbol.
        var scan = await ProcessRunner.RunAsync("zbarimg", ["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", Path.Combine(shots, "production-label.png")]);
        Assert.True(scan.ExitCode == 0, scan.StandardError);
        var scanned = scan.StandardOutput.TrimEnd('\n');

        await MoveAsync(inspector, "Released", orderUrl);

        // The device as the factory's records hold it: the label's QR symbol carries its encoded form.
        var device = JsonNode.Parse(await operatorApi.GetStringAsync(new Uri($"/api/orders/{orderId}/production", UriKind.Relative)))!["device"]!;
        Assert.Equal(elementString, (string)device["elementString"]!);
        Assert.Equal((string)device["encoded"]!, scanned);

        // Delivery on the after-factory page: the operator records the shipment, the physician confirms receipt.
        var afterUrl = orderUrl + "/after-factory";
        await operatorPage.GotoAsync(orderUrl);
        await operatorPage.ClickAsync("#after-factory-link");
        Assert.Equal(afterUrl, operatorPage.Url);
        await operatorPage.FillAsync("#carrier", "SF Express");
        await operatorPage.FillAsync("#tracking", "SF1234567890");
        await operatorPage.FillAsync("#sent-at", "2026-12-01T08:00");
        await SubmitAsync(operatorPage, "#ship-submit", afterUrl);
        await AssertNoErrorAsync(operatorPage, "shipment");
        Assert.Equal("SF1234567890", await operatorPage.InnerTextAsync("#tracking-number"));
        var physician = pages["demo.physician"];
        await physician.GotoAsync(afterUrl);
        Assert.Equal(0, await physician.Locator("#ship-form").CountAsync());
        await physician.SelectOptionAsync("#condition", "Good");
        await physician.SelectOptionAsync("#package-intact", "true");
        await physician.FillAsync("#receipt-notes", "包装完好，灭菌指示卡已变色");
        await SubmitAsync(physician, "#receipt-submit", afterUrl);
        await AssertNoErrorAsync(physician, "receipt");
        Assert.Contains("demo.physician", await physician.InnerTextAsync("#receipt"), StringComparison.Ordinal);
        await MoveAsync(physician, "Delivered", orderUrl);

        // Surgical use: a device from another order is refused with the reason, nothing recorded; the scanned label's code is recorded.
        await physician.GotoAsync(afterUrl);
        await physician.FillAsync("#device-code", "(01)06901234000023(21)TB-1999-000001");
        await physician.FillAsync("#surgery-date", "2026-12-10");
        await physician.FillAsync("#surgeon", "李主任");
        await SubmitAsync(physician, "#use-submit", afterUrl + "?handler=Use");
        Assert.Contains("请勿植入", await physician.InnerTextAsync("#wrong-device"), StringComparison.Ordinal);
        Assert.Equal(0, await physician.Locator("#use-record").CountAsync());
        await physician.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "after-factory-wrong-device-zh-CN.png"), FullPage = true });
        await physician.FillAsync("#device-code", scanned);
        await physician.SelectOptionAsync("#fit", "Fits");
        await physician.FillAsync("#fit-notes", "贴合良好");
        await SubmitAsync(physician, "#use-submit", afterUrl);
        await AssertNoErrorAsync(physician, "surgical use");
        Assert.Contains("李主任", await physician.InnerTextAsync("#use-record"), StringComparison.Ordinal);
        Assert.Equal(4, await physician.Locator("#follow-up-table .follow-up").CountAsync());
        await physician.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "after-factory-use-zh-CN.png"), FullPage = true });
        await MoveAsync(physician, "Used", orderUrl);
        await MoveAsync(physician, "FollowUp", orderUrl);

        // The final (12-month) follow-up, which closing waits for.
        await physician.GotoAsync(afterUrl);
        var final = await physician.Locator("#follow-up-id option[data-month='12']").GetAttributeAsync("value");
        await physician.SelectOptionAsync("#follow-up-id", final!);
        await physician.FillAsync("#performed-on", "2027-12-12");
        await physician.FillAsync("#outcome", "stable");
        await physician.FillAsync("#imaging", "CT: plate in place");
        await physician.SelectOptionAsync("#feedback", "None");
        await SubmitAsync(physician, "#follow-up-submit", afterUrl);
        await AssertNoErrorAsync(physician, "follow-up");
        Assert.Equal("true", await physician.GetAttributeAsync("#follow-up-12", "data-recorded"));

        // The trace page: from the label's scanned code.
        await operatorPage.GotoAsync(baseUrl + "/trace");
        await operatorPage.FillAsync("#code", scanned);
        await operatorPage.ClickAsync("#trace-submit");
        await operatorPage.WaitForSelectorAsync("#trace-history");
        Assert.Equal(elementString, await operatorPage.InnerTextAsync("#trace-element-string"));
        Assert.Equal(orderNumber, await operatorPage.InnerTextAsync("#trace-order"));
        var steps = await operatorPage.InnerTextAsync("#trace-steps");
        Assert.Contains(Lot, steps, StringComparison.Ordinal);
        Assert.Contains(Cycle, steps, StringComparison.Ordinal);
        Assert.Contains("SF1234567890", await operatorPage.InnerTextAsync("#trace-delivery"), StringComparison.Ordinal);
        Assert.Contains("李主任", await operatorPage.InnerTextAsync("#trace-use"), StringComparison.Ordinal);
        Assert.Contains("stable", await operatorPage.InnerTextAsync("#trace-follow-ups"), StringComparison.Ordinal);
        await operatorPage.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "trace-device-zh-CN.png"), FullPage = true });

        // From the material lot: the recall list names the order and the device.
        await operatorPage.ClickAsync($".recall-lot:has-text('{Lot}')");
        await AssertRecallAsync(operatorPage, orderNumber, elementString);
        Assert.Contains(Lot, await operatorPage.InnerTextAsync("#recall-list h3"), StringComparison.Ordinal);
        await operatorPage.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "trace-lot-zh-CN.png"), FullPage = true });

        // From the sterilization batch.
        await operatorPage.ClickAsync($".recall-batch:has-text('{Cycle}')");
        await AssertRecallAsync(operatorPage, orderNumber, elementString);
        Assert.Contains(Cycle, await operatorPage.InnerTextAsync("#recall-list h3"), StringComparison.Ordinal);
        await operatorPage.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "trace-batch-zh-CN.png"), FullPage = true });

        // The recall row links back to the device: the history again.
        await operatorPage.GotoAsync(baseUrl + "/trace?code=" + Uri.EscapeDataString(elementString));
        Assert.Equal(orderNumber, await operatorPage.InnerTextAsync("#trace-order"));
    }

    private static async Task AssertNoErrorAsync(IPage page, string what)
    {
        var error = page.Locator("#after-factory-error");
        var count = await error.CountAsync();
        Assert.True(count == 0, $"{what}: {(count > 0 ? await error.InnerTextAsync() : "")}");
    }

    private static async Task AssertRecallAsync(IPage page, string orderNumber, string elementString)
    {
        await page.WaitForSelectorAsync("#recall-list");
        var rows = await page.Locator("#recall-list .recall-row").AllInnerTextsAsync();
        Assert.Single(rows);
        Assert.Contains(orderNumber, rows[0], StringComparison.Ordinal);
        Assert.Contains(elementString, rows[0], StringComparison.Ordinal);
    }

    /// <summary>Fills the production page's form for one step and submits it; the step's row of the route must then be done.</summary>
    private static async Task RecordStepAsync(
        IPage page, string productionUrl, string kind, string started, string ended, string parameters,
        string? machine = null, string? lot = null, string? batch = null, string? equipment = null)
    {
        await page.GotoAsync(productionUrl);
        await page.SelectOptionAsync("#kind", kind);
        await page.FillAsync("#started", started);
        await page.FillAsync("#ended", ended);
        if (machine is not null)
        {
            await SelectByTextAsync(page, "#machine", machine);
        }

        if (lot is not null)
        {
            await SelectByTextAsync(page, "#lot", lot);
        }

        if (batch is not null)
        {
            await SelectByTextAsync(page, "#batch", batch);
        }

        await page.FillAsync("#parameters", parameters);
        await page.FillAsync("#equipment", equipment ?? "");
        await SubmitAsync(page, "#record-submit", productionUrl);
        Assert.True(await page.Locator("#production-error").CountAsync() == 0, $"{kind}: {(await page.Locator("#production-error").CountAsync() > 0 ? await page.InnerTextAsync("#production-error") : "")}");
        Assert.Contains(await page.GetAttributeAsync("#route-" + kind, "data-status"), new[] { "Done", "QaPending" });
    }

    private static async Task SelectByTextAsync(IPage page, string select, string text)
    {
        var value = await page.Locator($"{select} option:has-text('{text}')").GetAttributeAsync("value");
        await page.SelectOptionAsync(select, value!);
    }

    /// <summary>The inspector approves the one step of the kind awaiting sign-off.</summary>
    private static async Task SignOffAsync(IPage inspector, string productionUrl, string kind)
    {
        await inspector.GotoAsync(productionUrl);
        Assert.Equal(1, await inspector.Locator("#steps .sign-off").CountAsync());
        await SubmitAsync(inspector, "#steps .sign-off", productionUrl);
        Assert.Equal(0, await inspector.Locator("#production-error").CountAsync());
        Assert.Contains("demo.inspector", await inspector.InnerTextAsync("#steps .qa-signed >> nth=-1"), StringComparison.Ordinal);
        Assert.Equal("Done", await inspector.GetAttributeAsync("#route-" + kind, "data-status"));
    }

    private static async Task MoveAsync(IPage page, string to, string orderUrl)
    {
        await page.GotoAsync(orderUrl);
        await SubmitAsync(page, "#move-" + to, orderUrl);
        var error = page.Locator("#transition-error");
        Assert.True(await error.CountAsync() == 0, $"moving to {to}: {(await error.CountAsync() > 0 ? await error.InnerTextAsync() : "")}");
    }

    /// <summary>Submits a form and waits until a new document has loaded; it must be the same page again (post/redirect/get, or the page with its error).</summary>
    private static async Task SubmitAsync(IPage page, string selector, string url)
    {
        await page.EvaluateAsync("() => { window.__beforeSubmit = true; }");
        await page.ClickAsync(selector);
        await page.WaitForFunctionAsync("() => window.__beforeSubmit === undefined && document.readyState === 'complete'");
        Assert.True(page.Url == url, $"{selector}: {page.Url}");
    }

    /// <summary>Order → data confirmed → parties assigned → design uploaded, signed and released → Manufacturing, through the API as the demo users.</summary>
    private static async Task<string> OrderInManufacturingAsync(HttpClient physician, HttpClient designer, HttpClient productionOperator, DemoAccount physicianAccount)
    {
        using var created = await physician.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = "王五" },
            // "Other" has no acquisition profile: the generated CT (2024) would be past a cranial plate's 90 days, which blocks approval.
            requirement = new { deviceCategory = "Other", clinicalRequirement = "颅骨缺损修复，钛板" },
        });
        created.EnsureSuccessStatusCode();
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        await DesignFlow.MoveAsync(physician, id, "DataCollected");
        (await physician.PostAsJsonAsync($"/api/orders/{id}/confirmations", new { artifactType = "requirements", version = 1 })).EnsureSuccessStatusCode();
        await DicomSamples.UploadAndConfirmAsync(physician, id);
        await DesignFlow.MoveAsync(physician, id, "DataConfirmed");
        async Task<string> PartyAsync(string party) =>
            (string)JsonNode.Parse(await physician.GetStringAsync(new Uri("/api/organizations/directory?party=" + party, UriKind.Relative)))!.AsArray()[0]!["id"]!;
        (await physician.PutAsJsonAsync($"/api/orders/{id}/participants", new
        {
            designerId = await PartyAsync("Designer"), manufacturerId = await PartyAsync("Manufacturer"), registrantId = await PartyAsync("MarketingAuthorizationHolder"),
        })).EnsureSuccessStatusCode();
        await DesignFlow.MoveAsync(designer, id, "Designing");
        var version = await DesignFlow.UploadVersionAsync(designer, id, await DesignSamples.PlateBytesAsync(), await DesignSamples.ReportPdfAsync());
        await DesignFlow.SubmitAsync(designer, id, (string)version["id"]!);
        using (var signed = await physician.PostAsJsonAsync($"/api/orders/{id}/design/signatures", new
        {
            meaning = "approve for manufacture", password = physicianAccount.Password, totpCode = physicianAccount.Authenticator!.NextCode(),
        }))
        {
            Assert.True(signed.IsSuccessStatusCode, await signed.Content.ReadAsStringAsync());
        }

        using (var released = await designer.PostAsync(new Uri($"/api/orders/{id}/design/release", UriKind.Relative), null))
        {
            Assert.True(released.IsSuccessStatusCode, await released.Content.ReadAsStringAsync());
        }

        await DesignFlow.MoveAsync(productionOperator, id, "Manufacturing");
        return id;
    }
}
