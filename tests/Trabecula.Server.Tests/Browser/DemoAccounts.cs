using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Browser;

/// <summary>A demo user after first-time setup: their own password, and their authenticator when the role requires one.</summary>
internal sealed class DemoAccount(string userName, string password, DemoAccount.AuthenticatorApp? authenticator)
{
    public string UserName { get; } = userName;

    public string Password { get; } = password;

    public AuthenticatorApp? Authenticator { get; } = authenticator;

    /// <summary>
    /// Does what the newcomer test does in the browser, through the API to keep browser tests
    /// short: sign in with the one-time password from `demo seed`, set a password, and enrol TOTP
    /// if the account owes it.
    /// </summary>
    public static async Task<DemoAccount> SetUpAsync(ServerProcess server, string seedOutput, string userName)
    {
        var oneTime = Regex.Match(seedOutput, $@"^{Regex.Escape(userName)}\s+\S+\s+(\S+)", RegexOptions.Multiline).Groups[1].Value;
        var password = "trabeculae grow along the lines of stress";
        using var handler = new HttpClientHandler { CookieContainer = new System.Net.CookieContainer(), AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        using var first = await client.PostAsJsonAsync("/api/auth/login", new { userName, password = oneTime });
        first.EnsureSuccessStatusCode();
        await AntiforgeryAsync(client);
        (await client.PostAsJsonAsync("/api/me/password", new { currentPassword = oneTime, newPassword = password })).EnsureSuccessStatusCode();
        using var second = await client.PostAsJsonAsync("/api/auth/login", new { userName, password });
        second.EnsureSuccessStatusCode();
        var owed = JsonNode.Parse(await second.Content.ReadAsStringAsync())?["setupRequired"]?.AsArray().Select(n => (string?)n).ToList() ?? [];
        if (!owed.Contains("mfa"))
        {
            return new DemoAccount(userName, password, null);
        }

        await AntiforgeryAsync(client);
        using var setup = await client.PostAsync(new Uri("/api/me/mfa/setup", UriKind.Relative), null);
        var app = new AuthenticatorApp(Totp.FromBase32((string)JsonNode.Parse(await setup.Content.ReadAsStringAsync())!["secret"]!));
        (await client.PostAsJsonAsync("/api/me/mfa/confirm", new { code = app.NextCode() })).EnsureSuccessStatusCode();
        return new DemoAccount(userName, password, app);
    }

    /// <summary>Signs in on the login page of <paramref name="page"/>, with a code when the account has an authenticator.</summary>
    public async Task SignInAsync(IPage page, string baseUrl)
    {
        await page.GotoAsync(baseUrl + "/account/login");
        await page.FillAsync("#user-name", UserName);
        await page.FillAsync("#password", Password);
        if (Authenticator is not null)
        {
            await page.FillAsync("#totp", Authenticator.NextCode());
        }

        await page.ClickAsync("#sign-in");
        await page.WaitForSelectorAsync("#signed-in-user");
    }

    public static async Task AntiforgeryAsync(HttpClient client)
    {
        var token = (string)JsonNode.Parse(await client.GetStringAsync(new Uri("/api/auth/antiforgery", UriKind.Relative)))!["token"]!;
        client.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
        client.DefaultRequestHeaders.Add("X-CSRF-TOKEN", token);
    }

    /// <summary>An authenticator app on the real clock: each code for a time step after the last one used.</summary>
    internal sealed class AuthenticatorApp(byte[] secret)
    {
        private long _last = long.MinValue;

        public string NextCode()
        {
            // Never the previous window's code: typed at a window's edge it is already stale when
            // the server checks it. The current or the next one is valid for 30 s or more.
            var now = Totp.StepAt(TimeProvider.System.GetUtcNow());
            var step = Math.Max(now, _last + 1);
            while (step > now + 1)
            {
                Thread.Sleep(TimeSpan.FromSeconds(5));
                now = Totp.StepAt(TimeProvider.System.GetUtcNow());
            }

            _last = step;
            return Totp.Compute(secret, step);
        }
    }
}
