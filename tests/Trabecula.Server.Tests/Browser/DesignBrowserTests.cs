using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Trabecula.Server.Tests.Designs;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Browser;

/// <summary>
/// Issue 7, done-when: with the demo accounts, the designer uploads an OpenSCAD-made implant, the
/// physician reviews it in 3D (screenshots kept), signs the approval, the package is released to
/// the factory, the designer changes the design, the old approval shows superseded and a new one is
/// required (and given, after comparing the versions).
/// </summary>
public sealed class DesignBrowserTests
{
    /// <summary>Headless Chromium renders WebGL through SwiftShader (no GPU here).</summary>
    internal static readonly string[] WebGlArguments = [.. HomePageBrowserTests.ChromiumArguments, "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"];

    [Fact]
    [Trait("Requirement", "R-DES-1")]
    [Trait("Requirement", "R-DES-2")]
    [Trait("Requirement", "R-XFER-1")]
    [Trait("TestPlan", "INT-04")]
    public async Task DemoUsers_UploadReviewIn3D_SignRelease_ChangeAndReapprove_InChromium()
    {
        using var data = new TempDirectory();
        var seed = await ServerProcess.RunCliAsync(["demo", "seed", "--data", data.Path]);
        await using var server = await ServerProcess.StartAsync(data.Path);
        var baseUrl = server.BaseAddress.ToString().TrimEnd('/');
        var names = new[] { "demo.physician", "demo.designer", "demo.operator" };
        var accounts = new Dictionary<string, DemoAccount>();
        foreach (var name in names)
        {
            accounts[name] = await DemoAccount.SetUpAsync(server, seed.StandardOutput, name);
        }

        // The steps before design (covered by the lifecycle test) go through the API.
        var orderId = await OrderInDesigningAsync(server, accounts["demo.physician"], accounts["demo.designer"]);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = WebGlArguments });
        var pages = new Dictionary<string, IPage>();
        foreach (var name in names)
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
            pages[name] = await context.NewPageAsync();
            HomePageBrowserTests.AllowForLoad(pages[name]);
            await accounts[name].SignInAsync(pages[name], baseUrl);
        }

        var shots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        var designUrl = $"{baseUrl}/orders/{orderId}/design";
        var designer = pages["demo.designer"];
        var physician = pages["demo.physician"];

        await UploadAndSubmitAsync(designer, designUrl, await DesignSamples.PlateAsync(2), "2 mm 钛板，四个固定孔");
        await ReviewAndSignAsync(physician, designUrl, accounts["demo.physician"], shots, "v1");
        await DownloadThroughLinkAsync(physician, designUrl);

        // The pin and the measurement of the review (the approved version stays viewable).
        await WaitForViewerAsync(physician);
        await physician.FillAsync("#viewer-pin-text", "固定孔边距请再确认");
        await physician.ClickAsync("#viewer-pin");
        await ClickModelAsync(physician, 0, 0);
        await physician.WaitForFunctionAsync("() => window.designViewer.pins === 1");
        await physician.ClickAsync("#viewer-measure");
        await ClickModelAsync(physician, -40, 0);
        await ClickModelAsync(physician, 40, 0);
        await physician.WaitForFunctionAsync("() => window.designViewer.distanceMm > 0");
        await physician.Locator("#design-viewer").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(shots, "design-viewer-measure.png") });

        await designer.GotoAsync(designUrl);
        await ClickAndReloadAsync(designer, "#design-release", designUrl);
        Assert.True(await designer.IsVisibleAsync("#package-released"));
        var factory = pages["demo.operator"];
        await factory.GotoAsync(designUrl);
        Assert.True(await factory.IsVisibleAsync("#package-download"));
        await factory.GotoAsync($"{baseUrl}/orders/{orderId}");
        Assert.True(await factory.IsVisibleAsync("#order-package"));
        Assert.Contains("李医生", await factory.InnerTextAsync("#design-summary"), StringComparison.Ordinal);

        // The change after approval: V&V record, the old approval superseded, the package withdrawn.
        await designer.GotoAsync(designUrl);
        await designer.FillAsync("#change-what", "壁厚 2 mm → 3 mm");
        await designer.FillAsync("#change-why", "术者要求提高刚度");
        await designer.FillAsync("#change-evidence", "有限元分析报告 FEA-17：500 N 下挠度 0.2 mm");
        await ClickAndReloadAsync(designer, "#change-submit", designUrl);
        Assert.Equal(1, await designer.Locator(".signature[data-status=superseded]").CountAsync());
        Assert.False(await designer.IsVisibleAsync("#package-released"));
        await designer.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "design-superseded.png"), FullPage = true });

        await UploadAndSubmitAsync(designer, designUrl, await DesignSamples.PlateAsync(3), "3 mm 钛板");
        await physician.GotoAsync(designUrl);
        Assert.True(await physician.IsVisibleAsync("#sign-form"), "a new approval is required");
        Assert.Equal(1, await physician.Locator(".signature[data-status=superseded]").CountAsync());
        await WaitForViewerAsync(physician);
        await physician.ClickAsync("#viewer-compare");
        await physician.WaitForFunctionAsync("() => window.designViewer.compared === true");
        Assert.Contains("max", await physician.InnerTextAsync("#compare-result"), StringComparison.Ordinal);
        await physician.Locator("#design-viewer").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(shots, "design-viewer-compare.png") });
        await ReviewAndSignAsync(physician, designUrl, accounts["demo.physician"], shots, "v2");
        Assert.Equal(1, await physician.Locator(".signature[data-status=valid]").CountAsync());
        Assert.Equal(1, await physician.Locator(".signature[data-status=superseded]").CountAsync());
    }

    /// <summary>
    /// Issue 6: a design file's link on the page carries no file URL; clicking it asks for a
    /// short-lived token link and the file arrives through it, whole. The same link altered is
    /// refused with a problem detail (expiry is DownloadLinkTests', on a test clock).
    /// </summary>
    private static async Task DownloadThroughLinkAsync(IPage physician, string designUrl)
    {
        await physician.GotoAsync(designUrl);
        var file = physician.Locator(".design-file").First;
        var link = file.Locator("a.download-link");
        Assert.Equal("#", await link.GetAttributeAsync("href"));
        var shownSha = (await file.Locator("code").InnerTextAsync()).TrimEnd('…');
        var download = await physician.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        Assert.Matches("/api/downloads/design-file/[A-Za-z0-9_-]{40,}$", download.Url);
        Assert.Null(await download.FailureAsync());
        var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync((await download.PathAsync())!)));
        Assert.StartsWith(shownSha, sha, StringComparison.Ordinal);

        var token = download.Url[(download.Url.LastIndexOf('/') + 1)..];
        await AssertRefusedAsync(physician, download.Url[..^token.Length] + (token[0] == 'A' ? 'B' : 'A') + token[1..]);
        await AssertRefusedAsync(physician, download.Url[..^token.Length] + token[..^2] + (token[^2] == 'A' ? "BB" : "AA"));
    }

    private static async Task AssertRefusedAsync(IPage page, string url)
    {
        var refused = await page.APIRequest.GetAsync(url);
        Assert.Equal(404, refused.Status);
        Assert.StartsWith("application/problem+json", refused.Headers["content-type"], StringComparison.Ordinal);
        var problem = JsonNode.Parse(await refused.TextAsync())!;
        Assert.StartsWith("urn:trabecula:problem:", (string)problem["type"]!, StringComparison.Ordinal);
        Assert.Contains("download link", (string)problem["detail"]!, StringComparison.Ordinal);
    }

    /// <summary>The designer uploads the model (and a report printed by Chromium) on the review page and submits it.</summary>
    internal static async Task UploadAndSubmitAsync(IPage designer, string designUrl, string modelPath, string notes)
    {
        await designer.GotoAsync(designUrl);
        var report = Path.Combine(Path.GetDirectoryName(modelPath)!, "design-report.pdf");
        await File.WriteAllBytesAsync(report, await DesignSamples.ReportPdfAsync());
        await designer.SetInputFilesAsync("#design-models", modelPath);
        await designer.SetInputFilesAsync("#design-report", report);
        await designer.FillAsync("#design-notes", notes);
        await ClickAndReloadAsync(designer, "#design-upload-submit", designUrl);
        Assert.True(await designer.Locator(".mesh-valid.text-bg-success").CountAsync() >= 1);
        await ClickAndReloadAsync(designer, "#design-submit", designUrl);
    }

    /// <summary>The physician looks at the model in 3D (screenshots, with and without the section plane) and signs the approval with password and TOTP.</summary>
    internal static async Task ReviewAndSignAsync(IPage physician, string designUrl, DemoAccount account, string shots, string label)
    {
        await physician.GotoAsync(designUrl);
        await WaitForViewerAsync(physician);
        await physician.Locator("#design-viewer").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(shots, $"design-viewer-{label}.png") });
        await physician.CheckAsync("#viewer-section");
        await physician.Locator("#viewer-section-height").FillAsync("600");
        await physician.Locator("#design-viewer").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(shots, $"design-viewer-{label}-section.png") });
        await physician.UncheckAsync("#viewer-section");
        await physician.FillAsync("#sign-password", account.Password);
        await physician.FillAsync("#sign-code", account.Authenticator!.NextCode());
        await ClickAndReloadAsync(physician, "#sign-submit", designUrl);
        Assert.Equal("DesignApproved", await physician.GetAttributeAsync("#order-state", "data-state"));
    }

    internal static async Task WaitForViewerAsync(IPage page)
    {
        await page.WaitForFunctionAsync("() => window.designViewer && (window.designViewer.ready || window.designViewer.error)");
        Assert.Null(await page.EvaluateAsync<string?>("() => window.designViewer.error"));
        Assert.True(await page.EvaluateAsync<int>("() => window.designViewer.triangles") > 0);
    }

    /// <summary>Clicks the canvas at an offset from its centre (where the framed model is).</summary>
    private static async Task ClickModelAsync(IPage page, int dx, int dy)
    {
        var box = (await page.Locator("#viewer-canvas").BoundingBoxAsync())!;
        await page.Mouse.ClickAsync(box.X + (box.Width / 2) + dx, box.Y + (box.Height / 2) + dy);
    }

    /// <summary>Submits a form and waits for the new document; it must be the review page again (post/redirect/get), else the page's error is shown.</summary>
    internal static async Task ClickAndReloadAsync(IPage page, string selector, string url)
    {
        await page.EvaluateAsync("() => { window.__beforeSubmit = true; }");
        await page.ClickAsync(selector);
        await page.WaitForFunctionAsync("() => window.__beforeSubmit === undefined && document.readyState === 'complete'");
        var error = page.Locator("#design-error");
        Assert.True(page.Url == url, $"{selector}: {page.Url} {(await error.CountAsync() > 0 ? await error.InnerTextAsync() : "")}");
    }

    /// <summary>Order → data confirmed → design house and factory assigned → Designing, through the API as the demo users.</summary>
    private static async Task<string> OrderInDesigningAsync(ServerProcess server, DemoAccount physicianAccount, DemoAccount designerAccount)
    {
        using var physician = await ClientAsync(server, physicianAccount);
        using var designer = await ClientAsync(server, designerAccount);
        using var created = await physician.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = "王五" },
            requirement = new { deviceCategory = "Other", clinicalRequirement = "颅骨缺损修复，钛板" },
        });
        created.EnsureSuccessStatusCode();
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        await DesignFlow.MoveAsync(physician, id, "DataCollected");
        (await physician.PostAsJsonAsync($"/api/orders/{id}/confirmations", new { artifactType = "requirements", version = 1 })).EnsureSuccessStatusCode();
        await DicomSamples.UploadAndConfirmAsync(physician, id);
        await DesignFlow.MoveAsync(physician, id, "DataConfirmed");
        var designHouse = JsonNode.Parse(await physician.GetStringAsync(new Uri("/api/organizations/directory?party=Designer", UriKind.Relative)))!.AsArray()[0]!;
        var plant = JsonNode.Parse(await physician.GetStringAsync(new Uri("/api/organizations/directory?party=Manufacturer", UriKind.Relative)))!.AsArray()[0]!;
        (await physician.PutAsJsonAsync($"/api/orders/{id}/participants", new { designerId = (string)designHouse["id"]!, manufacturerId = (string)plant["id"]! })).EnsureSuccessStatusCode();
        await DesignFlow.MoveAsync(designer, id, "Designing");
        return id;
    }

    private static async Task<HttpClient> ClientAsync(ServerProcess server, DemoAccount account)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new System.Net.CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        using var login = await client.PostAsJsonAsync("/api/auth/login", new { userName = account.UserName, password = account.Password, totpCode = account.Authenticator?.NextCode() });
        login.EnsureSuccessStatusCode();
        await DemoAccount.AntiforgeryAsync(client);
        return client;
    }
}
