using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Browser;

/// <summary>
/// Issue "cases and orders", done-when: with the demo seed, one order goes through the whole
/// lifecycle in the UI, each step taken by the right demo user in their own browser, and the
/// timeline shows every step.
/// </summary>
public sealed class LifecycleBrowserTests
{
    [Fact]
    [Trait("Requirement", "R-CASE-1")]
    [Trait("Requirement", "R-CASE-2")]
    [Trait("Requirement", "R-CASE-5")]
    [Trait("Requirement", "R-XFER-1")]
    public async Task DemoUsers_DriveOneOrderFromRequirementToClosed_InChromium()
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

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = DesignBrowserTests.WebGlArguments,
        });
        var pages = new Dictionary<string, IPage>();
        foreach (var name in names)
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
            pages[name] = await context.NewPageAsync();
            HomePageBrowserTests.AllowForLoad(pages[name]);
            await accounts[name].SignInAsync(pages[name], baseUrl);
        }

        var shots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        var physician = pages["demo.physician"];

        // The physician opens the case and its order.
        await physician.GotoAsync(baseUrl + "/orders/new");
        await physician.FillAsync("#patient-name", "王五");
        // "Other" has no acquisition profile: the generated CT (2024) would be past a cranial plate's 90 days, which blocks approval.
        await physician.SelectOptionAsync("#category", "Other");
        await physician.FillAsync("#site", "左顶骨");
        await physician.FillAsync("#clinical", "颅骨缺损修复，钛网，边缘 2 mm");
        await physician.ClickAsync("#create-order");
        await physician.WaitForURLAsync(new Regex("/orders/[0-9a-f-]{36}$"));
        var orderUrl = physician.Url;

        // Assign the demo design house, factory and registrant.
        await physician.ClickAsync("#assign summary");
        await physician.SelectOptionAsync("#assign-designerId", new SelectOptionValue { Label = "示范设计中心" });
        await physician.SelectOptionAsync("#assign-manufacturerId", new SelectOptionValue { Label = "示范增材制造工厂" });
        await physician.SelectOptionAsync("#assign-registrantId", new SelectOptionValue { Label = "示范器械注册人" });
        await ClickAndReloadAsync(physician, "#assign-submit", orderUrl);
        Assert.Equal("示范设计中心", await physician.InnerTextAsync("#participant-designer"));

        // Revise the requirements once: the revision list shows the diff.
        await physician.ClickAsync("#revise summary");
        await physician.FillAsync("#revise-clinical", "颅骨缺损修复，钛网，边缘 3 mm，12 个固定孔");
        await physician.FillAsync("#revise-reason", "术者要求增加固定孔");
        try
        {
            await ClickAndReloadAsync(physician, "#revise-submit", orderUrl);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException(server.Output[^Math.Min(3000, server.Output.Length)..], e);
        }

        Assert.Equal(2, await physician.Locator("#revisions .revision").CountAsync());
        Assert.Contains("12 个固定孔", await physician.InnerTextAsync("#revisions .revision-diff ins"), StringComparison.Ordinal);

        // The physician opens a dataset, uploads a CT series made by pydicom, checks its summary and confirms it.
        await physician.FillAsync("#dataset-description", "CT 0.625 mm");
        await ClickAndReloadAsync(physician, "#dataset-create", orderUrl);
        await physician.SetInputFilesAsync(".dataset-files", await DicomSamples.SeriesAsync());
        await ClickAndReloadAsync(physician, ".dataset-upload", orderUrl);
        Assert.Contains("4", await physician.InnerTextAsync(".series-summary"), StringComparison.Ordinal);

        // The slice viewer shows a server-rendered PNG and walks the series.
        await physician.WaitForFunctionAsync("() => document.querySelector('.slice-image').naturalWidth === 64");
        await physician.Locator(".slice-range").FillAsync("0");
        await physician.ClickAsync("button[data-preset=bone]");
        await physician.WaitForFunctionAsync("() => document.querySelector('.slice-image').complete && document.querySelector('.slice-image').naturalWidth === 64 && document.querySelector('.slice-image').src.includes('preset=bone')");
        Assert.Equal("1 / 4", await physician.InnerTextAsync(".slice-number"));
        await ClickAndReloadAsync(physician, ".dataset-confirm", orderUrl);
        Assert.Equal(1, await physician.Locator(".dataset-confirmed").CountAsync());
        await MoveAsync(physician, "DataCollected", orderUrl);

        // Confirming the data waits for the institution's final confirmation of the requirements.
        Assert.Equal(1, await physician.Locator(".unmet").CountAsync());
        await physician.ClickAsync("#move-DataConfirmed");
        await physician.WaitForSelectorAsync("#transition-error");
        await ClickAndReloadAsync(physician, "#confirm-requirements", orderUrl);
        Assert.True(await physician.IsVisibleAsync("#requirements-confirmed"));
        await MoveAsync(physician, "DataConfirmed", orderUrl);

        var designer = pages["demo.designer"];
        await designer.GotoAsync(orderUrl);
        Assert.DoesNotContain("王五", await designer.ContentAsync(), StringComparison.Ordinal);
        await MoveAsync(designer, "Designing", orderUrl);

        // The design stage: an OpenSCAD model uploaded and submitted, reviewed in 3D and signed, the package released.
        var designUrl = orderUrl + "/design";
        await DesignBrowserTests.UploadAndSubmitAsync(designer, designUrl, await Designs.DesignSamples.PlateAsync(), "钛板 v1");
        await DesignBrowserTests.ReviewAndSignAsync(physician, designUrl, accounts["demo.physician"], shots, "lifecycle");
        await designer.GotoAsync(designUrl);
        await DesignBrowserTests.ClickAndReloadAsync(designer, "#design-release", designUrl);

        var operatorPage = pages["demo.operator"];
        await operatorPage.GotoAsync(orderUrl);
        await MoveAsync(operatorPage, "Manufacturing", orderUrl);

        // The production route, delivery, surgery and follow-up are recorded through the API here
        // (ProductionBrowserTests records the route, QA sign-offs and QC release on the production page
        // and traces the device on /trace); the moves stay the browser's.
        var orderId = orderUrl[^36..];
        using var operatorApi = await DemoApiClient.SignInAsync(server, accounts["demo.operator"]);
        using var inspectorApi = await DemoApiClient.SignInAsync(server, accounts["demo.inspector"]);
        using var physicianApi = await DemoApiClient.SignInAsync(server, accounts["demo.physician"]);
        var records = await Production.ProductionFlow.FactoryRecordsAsync(operatorApi);
        await Production.ProductionFlow.RecordRouteAsync(operatorApi, inspectorApi, orderId, records);
        await Production.ProductionFlow.RecordAsync(inspectorApi, orderId, Production.ProductionFlow.Step("QcRelease", records));

        var inspector = pages["demo.inspector"];
        await inspector.GotoAsync(orderUrl);
        await MoveAsync(inspector, "Released", orderUrl);

        var device = await Production.ProductionFlow.ShipAndReceiveAsync(operatorApi, physicianApi, orderId);
        await physician.GotoAsync(orderUrl);
        await MoveAsync(physician, "Delivered", orderUrl);
        await Production.ProductionFlow.UseAndFollowUpAsync(physicianApi, orderId, device);
        foreach (var state in new[] { "Used", "FollowUp" })
        {
            await MoveAsync(physician, state, orderUrl);
        }

        await Production.ProductionFlow.RecordFinalFollowUpAsync(physicianApi, orderId);
        await MoveAsync(physician, "Closed", orderUrl);

        // Closed: no moves left, and the timeline has all twelve states with their actors.
        Assert.Equal(0, await physician.Locator(".transition-form").CountAsync());
        var timeline = await physician.Locator("#timeline li").AllInnerTextsAsync();
        Assert.Equal(12, timeline.Count);
        Assert.Contains("demo.designer", timeline[4], StringComparison.Ordinal);
        Assert.Contains("demo.operator", timeline[6], StringComparison.Ordinal);
        Assert.Contains("demo.inspector", timeline[7], StringComparison.Ordinal);
        await physician.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "order-closed-zh-CN.png"), FullPage = true });

        // The order list finds it by state.
        await physician.GotoAsync(baseUrl + "/orders?state=Closed");
        Assert.Equal(1, await physician.Locator(".order-link").CountAsync());
    }

    private static async Task MoveAsync(IPage page, string to, string orderUrl)
    {
        await ClickAndReloadAsync(page, "#move-" + to, orderUrl);
        var error = page.Locator("#transition-error");
        Assert.True(await error.CountAsync() == 0, $"moving to {to}: {(await error.CountAsync() > 0 ? await error.InnerTextAsync() : "")}");
    }

    /// <summary>Submits a form of the order page and waits until a new document of it has loaded (post/redirect/get, or the page with an error).</summary>
    private static async Task ClickAndReloadAsync(IPage page, string selector, string orderUrl)
    {
        await page.EvaluateAsync("() => { window.__beforeSubmit = true; }");
        await page.ClickAsync(selector);
        await page.WaitForFunctionAsync("() => window.__beforeSubmit === undefined && document.readyState === 'complete'");
        var error = page.Locator("#transition-error");
        Assert.True(page.Url == orderUrl, $"{selector}: {page.Url} {(await error.CountAsync() > 0 ? await error.InnerTextAsync() : (await page.InnerTextAsync("body"))[..Math.Min(400, (await page.InnerTextAsync("body")).Length)])}");
    }
}
