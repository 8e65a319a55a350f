using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Browser;

/// <summary>
/// Issue "identity and audit", done-when: a newcomer from the demo seed signs in with the one-time
/// password, changes it, enrols TOTP, and sees their organization in both languages, in Chromium.
/// </summary>
public sealed class NewcomerBrowserTests
{
    [Fact]
    [Trait("Requirement", "R-AUTH-1")]
    [Trait("Requirement", "R-AUTH-2")]
    [Trait("Requirement", "R-AUTH-4")]
    public async Task DemoPhysician_SignsInChangesPasswordEnrolsTotp_AndSeesOrganizationInBothLanguages()
    {
        using var data = new TempDirectory();
        var seed = await ServerProcess.RunCliAsync(["demo", "seed", "--data", data.Path]);
        var oneTime = Regex.Match(seed.StandardOutput, @"^demo\.physician\s+\S+\s+(\S+)", RegexOptions.Multiline).Groups[1].Value;
        Assert.Equal(16, oneTime.Length);
        await using var server = await ServerProcess.StartAsync(data.Path);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = HomePageBrowserTests.ChromiumArguments,
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        HomePageBrowserTests.AllowForLoad(page);
        var shots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        var baseUrl = server.BaseAddress.ToString().TrimEnd('/');

        // 1. Sign in with the one-time password: setup is owed.
        await page.GotoAsync(baseUrl + "/account/login");
        await page.FillAsync("#user-name", "demo.physician");
        await page.FillAsync("#password", oneTime);
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync(baseUrl + "/account/status");
        Assert.True(await page.IsVisibleAsync("#setup-password"));
        Assert.True(await page.IsVisibleAsync("#setup-mfa"));

        // 2. Change the password; every session ends, so sign in again.
        await page.ClickAsync("#setup-password");
        await page.FillAsync("#current-password", oneTime);
        await page.FillAsync("#new-password", "a-physician-owns-this-passphrase");
        await page.ClickAsync("#change-password");
        await page.WaitForURLAsync(baseUrl + "/account/login");
        await page.FillAsync("#user-name", "demo.physician");
        await page.FillAsync("#password", "a-physician-owns-this-passphrase");
        await page.ClickAsync("#sign-in");
        await page.WaitForURLAsync(baseUrl + "/account/status");
        Assert.False(await page.IsVisibleAsync("#setup-password"));

        // 3. Enrol TOTP the way an authenticator app would, from the secret on the page.
        await page.ClickAsync("#setup-mfa");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "mfa-enrolment.png") });
        var secret = Totp.FromBase32((await page.InnerTextAsync("#mfa-secret")).Trim());
        await page.FillAsync("#mfa-code", Totp.Compute(secret, Totp.StepAt(TimeProvider.System.GetUtcNow())));
        await page.ClickAsync("#mfa-confirm");
        Assert.Equal(10, await page.Locator("#recovery-codes li").CountAsync());

        // 4. The account page shows the organization, in Chinese and then in English.
        await page.GotoAsync(baseUrl + "/account/status");
        Assert.Equal("示范医院（华东）", await page.InnerTextAsync("#organization-name"));
        Assert.Equal("已认证", await page.InnerTextAsync("#account-status"));
        Assert.False(await page.IsVisibleAsync("#setup-required"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "account-zh-CN.png") });
        await page.ClickAsync("#lang-en");
        await page.WaitForURLAsync(baseUrl + "/account/status");
        Assert.Equal("My account", await page.InnerTextAsync("#page-title"));
        Assert.Equal("Verified", await page.InnerTextAsync("#account-status"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(shots, "account-en.png") });
    }
}
