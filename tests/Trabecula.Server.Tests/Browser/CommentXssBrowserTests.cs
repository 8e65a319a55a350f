using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
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
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };
        var baseUrl = server.BaseAddress.ToString().TrimEnd('/');

        // The demo physician sets up (new password, TOTP) and opens the order through the API; the
        // comments are then typed into the order page in the browser.
        var orderId = await CreateOrderAsPhysicianAsync(server, seed.StandardOutput);

        await page.GotoAsync(baseUrl + "/account/login");
        await page.FillAsync("#user-name", "demo.physician");
        await page.FillAsync("#password", PhysicianPassword);
        await page.FillAsync("#totp", MfaDevice.NextCode());
        await page.ClickAsync("#sign-in");
        await page.WaitForSelectorAsync("#signed-in-user");
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

    private static string PhysicianPassword { get; set; } = "";

    private static MfaClock MfaDevice { get; set; } = null!;

    /// <summary>Signs the demo physician in through the API (password change, TOTP enrolment) and opens an order.</summary>
    private static async Task<string> CreateOrderAsPhysicianAsync(ServerProcess server, string seedOutput)
    {
        var oneTime = Regex.Match(seedOutput, @"^demo\.physician\s+\S+\s+(\S+)", RegexOptions.Multiline).Groups[1].Value;
        PhysicianPassword = "a-physician-owns-this-passphrase";
        using var handler = new HttpClientHandler { CookieContainer = new System.Net.CookieContainer(), AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        (await client.PostAsJsonAsync("/api/auth/login", new { userName = "demo.physician", password = oneTime })).EnsureSuccessStatusCode();
        await AntiforgeryAsync(client);
        (await client.PostAsJsonAsync("/api/me/password", new { currentPassword = oneTime, newPassword = PhysicianPassword })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/auth/login", new { userName = "demo.physician", password = PhysicianPassword })).EnsureSuccessStatusCode();
        await AntiforgeryAsync(client);
        using var setup = await client.PostAsync(new Uri("/api/me/mfa/setup", UriKind.Relative), null);
        MfaDevice = new MfaClock(Trabecula.Server.Features.Accounts.Totp.FromBase32((string)JsonNode.Parse(await setup.Content.ReadAsStringAsync())!["secret"]!));
        (await client.PostAsJsonAsync("/api/me/mfa/confirm", new { code = MfaDevice.NextCode() })).EnsureSuccessStatusCode();
        await AntiforgeryAsync(client);
        using var created = await client.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = "测试患者" },
            requirement = new { deviceCategory = "CranialPlate", clinicalRequirement = "plate" },
        });
        created.EnsureSuccessStatusCode();
        return (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
    }

    private static async Task AntiforgeryAsync(HttpClient client)
    {
        var token = (string)JsonNode.Parse(await client.GetStringAsync(new Uri("/api/auth/antiforgery", UriKind.Relative)))!["token"]!;
        client.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
        client.DefaultRequestHeaders.Add("X-CSRF-TOKEN", token);
    }

    /// <summary>An authenticator app on the real clock: each code for a time step after the last one used.</summary>
    private sealed class MfaClock(byte[] secret)
    {
        private long _last = long.MinValue;

        public string NextCode()
        {
            var now = Trabecula.Server.Features.Accounts.Totp.StepAt(TimeProvider.System.GetUtcNow());
            var step = Math.Max(now - 1, _last + 1);
            if (step > now + 1)
            {
                Thread.Sleep(TimeSpan.FromSeconds(30));
                step = _last + 1;
            }

            _last = step;
            return Trabecula.Server.Features.Accounts.Totp.Compute(secret, step);
        }
    }
}
