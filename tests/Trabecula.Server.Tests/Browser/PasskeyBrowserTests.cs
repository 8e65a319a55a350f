using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Browser;

/// <summary>
/// Passkeys end to end in Chromium with a virtual WebAuthn authenticator (Chrome DevTools
/// Protocol), the way Chromium's own WebAuthn tests run: register a passkey as the second factor,
/// sign out, sign in with the passkey alone.
/// </summary>
public sealed class PasskeyBrowserTests
{
    [Fact]
    [Trait("Requirement", "R-AUTH-2")]
    public async Task Auditor_RegistersPasskeyAsSecondFactor_ThenSignsInWithIt()
    {
        using var data = new TempDirectory();
        var seed = await ServerProcess.RunCliAsync(["demo", "seed", "--data", data.Path]);
        var oneTime = Regex.Match(seed.StandardOutput, @"^demo\.auditor\s+\S+\s+(\S+)", RegexOptions.Multiline).Groups[1].Value;
        // WebAuthn needs a host name (not an IP address) as the relying party; localhost is a secure context.
        await using var server = await ServerProcess.StartAsync(data.Path, host: "localhost");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = HomePageBrowserTests.ChromiumArguments,
        });
        var page = await browser.NewPageAsync();
        HomePageBrowserTests.AllowForLoad(page);
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
        var baseUrl = server.BaseAddress.ToString().TrimEnd('/');

        await page.GotoAsync(baseUrl + "/account/login");
        await page.FillAsync("#user-name", "demo.auditor");
        await page.FillAsync("#password", oneTime);
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync(baseUrl + "/account/status");
        await page.ClickAsync("#setup-password");
        await page.FillAsync("#current-password", oneTime);
        await page.FillAsync("#new-password", "an-auditor-keeps-this-passphrase");
        await page.ClickAsync("#change-password");
        await page.WaitForURLAsync(baseUrl + "/account/login");
        await page.FillAsync("#user-name", "demo.auditor");
        await page.FillAsync("#password", "an-auditor-keeps-this-passphrase");
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync(baseUrl + "/account/status");

        // Register a passkey instead of TOTP: the setup duty is met.
        await page.ClickAsync("#setup-mfa");
        await page.ClickAsync("#passkey-register");
        await page.WaitForURLAsync(baseUrl + "/account/status");
        Assert.False(await page.IsVisibleAsync("#setup-required"));
        Assert.True(await page.IsVisibleAsync("#nav-audit"));

        // Sign out, then sign in with the passkey alone.
        await page.ClickAsync("#sign-out");
        await page.WaitForURLAsync(baseUrl + "/account/login");
        await page.FillAsync("#user-name", "demo.auditor");
        await page.ClickAsync("#passkey-sign-in");
        await page.WaitForURLAsync(baseUrl + "/");
        Assert.Equal("demo.auditor", await page.InnerTextAsync("#signed-in-user"));
        await page.GotoAsync(baseUrl + "/audit?action=SignIn");
        Assert.Contains("passkey", await page.InnerTextAsync("#audit-table"), StringComparison.Ordinal);
    }
}
