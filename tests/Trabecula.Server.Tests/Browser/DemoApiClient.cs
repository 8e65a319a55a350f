using System.Net.Http.Json;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Browser;

/// <summary>A demo user's API session on a running server: what a browser test uses for the steps it does not click through.</summary>
internal static class DemoApiClient
{
    public static async Task<HttpClient> SignInAsync(ServerProcess server, DemoAccount account, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(account);
        var handler = new HttpClientHandler { CookieContainer = new System.Net.CookieContainer(), AllowAutoRedirect = false };
        var client = new HttpClient(handler, disposeHandler: true) { BaseAddress = server.BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        using var login = await client.PostAsJsonAsync("/api/auth/login", new { userName = account.UserName, password = account.Password, totpCode = account.Authenticator?.NextCode() });
        login.EnsureSuccessStatusCode();
        await DemoAccount.AntiforgeryAsync(client);
        return client;
    }
}
