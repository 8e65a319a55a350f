using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Browser;

/// <summary>INJ-02: a corpus of script payloads posted as comments renders as text in Chromium; nothing runs.</summary>
public sealed class CommentXssBrowserTests
{
    private static readonly string[] Payloads =
    [
        "<script>alert('xss1')</script>",
        "<img src=x onerror=alert('xss2')>",
        "<svg onload=alert('xss3')>",
        "<a href=\"javascript:alert('xss4')\">click</a>",
        "\"><iframe srcdoc=\"<script>alert('xss5')</script>\">",
        "<details open ontoggle=alert('xss6')>",
        "{{constructor.constructor('alert(7)')()}}",
    ];

    [Fact]
    [Trait("Requirement", "R-CASE-4")]
    [Trait("TestPlan", "INJ-02")]
    public async Task CommentPayloads_RenderAsText_AndNoScriptRuns()
    {
        using var data = new TempDirectory();
        var seed = await ServerProcess.RunCliAsync(["demo", "seed", "--data", data.Path]);
        await using var server = await ServerProcess.StartAsync(data.Path);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = HomePageBrowserTests.ChromiumArguments,
        });
        var page = await browser.NewPageAsync();
        HomePageBrowserTests.AllowForLoad(page);
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };
        var baseUrl = server.BaseAddress.ToString().TrimEnd('/');

        // The demo physician sets up (new password, TOTP) and opens the order through the API; the
        // comments are then typed into the order page in the browser.
        var physician = await DemoAccount.SetUpAsync(server, seed.StandardOutput, "demo.physician");
        var orderId = await CreateOrderAsync(server, physician);
        await physician.SignInAsync(page, baseUrl);
        foreach (var payload in Payloads)
        {
            await page.GotoAsync($"{baseUrl}/orders/{orderId}");
            await page.FillAsync("#comment-body", payload);
            await page.ClickAsync("#comment-submit");
            await page.WaitForURLAsync($"{baseUrl}/orders/{orderId}");
        }

        await page.GotoAsync($"{baseUrl}/orders/{orderId}");
        var shown = await page.Locator(".comment-body").AllInnerTextsAsync();

        Assert.Empty(dialogs);
        Assert.Equal(Payloads, shown);
        Assert.Equal(0, await page.Locator("#comments script, #comments img, #comments svg, #comments iframe, #comments a, #comments details").CountAsync());
    }

    private static async Task<string> CreateOrderAsync(ServerProcess server, DemoAccount physician)
    {
        using var handler = new HttpClientHandler { CookieContainer = new System.Net.CookieContainer(), AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        (await client.PostAsJsonAsync("/api/auth/login", new { userName = physician.UserName, password = physician.Password, totpCode = physician.Authenticator!.NextCode() })).EnsureSuccessStatusCode();
        await DemoAccount.AntiforgeryAsync(client);
        using var created = await client.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = "测试患者" },
            requirement = new { deviceCategory = "CranialPlate", clinicalRequirement = "plate" },
        });
        created.EnsureSuccessStatusCode();
        return (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
    }
}
