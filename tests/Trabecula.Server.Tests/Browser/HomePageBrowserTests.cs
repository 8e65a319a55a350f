using Microsoft.Playwright;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Browser;

/// <summary>
/// The UI in Debian's Chromium through Playwright (never `playwright install`: there is no
/// browser download here). Screenshots go to the test output folder for a person to look at.
/// </summary>
public sealed class HomePageBrowserTests
{
    internal static readonly string[] ChromiumArguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    ];

    [Fact]
    public async Task HomePage_SwitchLanguage_ShowsEnglishAndBack()
    {
        using var data = new TempDirectory();
        await using var server = await ServerProcess.StartAsync(data.Path);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ChromiumArguments,
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        HomePageBrowserTests.AllowForLoad(page);
        var consoleErrors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") { consoleErrors.Add(message.Text); } };
        var shots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

        await page.GotoAsync(server.BaseAddress.ToString());
        Assert.Equal("平台概览", await page.InnerTextAsync("#page-title"));
        Assert.Equal("zh-CN", await page.GetAttributeAsync("html", "lang"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "home-zh-CN.png"), FullPage = true });

        await page.ClickAsync("#lang-en");
        await page.WaitForURLAsync(server.BaseAddress.ToString());
        Assert.Equal("Platform overview", await page.InnerTextAsync("#page-title"));
        Assert.Equal("en", await page.GetAttributeAsync("html", "lang"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "home-en.png"), FullPage = true });

        await page.ClickAsync("#lang-zh");
        Assert.Equal("平台概览", await page.InnerTextAsync("#page-title"));

        // The stylesheet really applied (no CSP refusal): Bootstrap's navbar is a flex box.
        Assert.Equal("flex", await page.EvalOnSelectorAsync<string>("nav.navbar", "e => getComputedStyle(e).display"));
        Assert.Empty(consoleErrors);
    }

    /// <summary>
    /// CI runs the browser tests beside every other suite on two cores; a step that takes 2 s alone
    /// can take much longer then. A generous limit keeps the test about behaviour, not load.
    /// </summary>
    internal static void AllowForLoad(IPage page)
    {
        page.SetDefaultTimeout(90_000);
        page.SetDefaultNavigationTimeout(90_000);
    }
}
