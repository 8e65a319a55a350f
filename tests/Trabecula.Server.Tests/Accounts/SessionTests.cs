using System.Net;
using System.Net.Http.Json;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Accounts;

/// <summary>Server-side sessions (R-AUTH-4, NMPA 自动注销), against a clock the test moves.</summary>
public sealed class SessionTests
{
    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-AUTH-4")]
    [Trait("TestPlan", "SES-02")]
    public async Task IdleTimeout_ValidAt1459_GoneAt1501(DatabaseKind kind)
    {
        var clock = new FakeTimeProvider();
        await using var factory = await TrabeculaFactory.CreateAsync(kind, clock);
        await TestAccounts.UserAsync(factory, "idle", Roles.Designer);
        using var client = await TestAccounts.SignedInAsync(factory, "idle");

        clock.Advance(TimeSpan.FromMinutes(14) + TimeSpan.FromSeconds(59));
        using var stillValid = await client.GetAsync(new Uri("/api/me", UriKind.Relative));
        clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        using var expired = await client.GetAsync(new Uri("/api/me", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
    }

    [Fact]
    [Trait("Requirement", "R-AUTH-4")]
    [Trait("TestPlan", "SES-03")]
    public async Task AbsoluteLifetime_BusySessionEndsAfterTwelveHours()
    {
        var clock = new FakeTimeProvider();
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite, clock);
        await TestAccounts.UserAsync(factory, "busy", Roles.Designer);
        using var client = await TestAccounts.SignedInAsync(factory, "busy");

        // Active every 10 minutes (never idle) up to 11 h 50 min after sign-in ...
        for (var elapsed = TimeSpan.FromMinutes(10); elapsed < TimeSpan.FromHours(12); elapsed += TimeSpan.FromMinutes(10))
        {
            clock.Advance(TimeSpan.FromMinutes(10));
            using var active = await client.GetAsync(new Uri("/api/me", UriKind.Relative));
            Assert.True(HttpStatusCode.OK == active.StatusCode, $"after {elapsed}: {active.StatusCode}");
        }

        // ... and at 12 h the session is over.
        clock.Advance(TimeSpan.FromMinutes(10));
        using var ended = await client.GetAsync(new Uri("/api/me", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-AUTH-4")]
    [Trait("TestPlan", "SES-04")]
    public async Task CookieReplay_AfterSignOut_IsRefused(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        await TestAccounts.UserAsync(factory, "replay", Roles.Designer);
        using var client = TestAccounts.Client(factory);
        using var login = await TestAccounts.LoginAsync(client, "replay");
        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("trabecula.session=", StringComparison.Ordinal)).Split(';')[0];
        await TestAccounts.AddAntiforgeryAsync(client);
        using var captured = await client.GetAsync(new Uri("/api/me", UriKind.Relative));

        using var logout = await client.PostAsync(new Uri("/api/auth/logout", UriKind.Relative), null);
        using var attacker = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Add("Cookie", cookie);
        using var replayed = await attacker.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, captured.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
    }

    [Fact]
    [Trait("Requirement", "R-AUTH-4")]
    [Trait("TestPlan", "SES-01")]
    public async Task SessionCookie_ReadRecently_StillRefusesEveryAlteredCopy()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        await TestAccounts.UserAsync(factory, "altered", Roles.Designer);
        using var client = TestAccounts.Client(factory);
        using var login = await TestAccounts.LoginAsync(client, "altered");
        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("trabecula.session=", StringComparison.Ordinal)).Split(';')[0];
        var value = cookie["trabecula.session=".Length..];
        using var attacker = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });

        async Task<HttpStatusCode> MeWith(string sessionCookie)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
            request.Headers.Add("Cookie", "trabecula.session=" + sessionCookie);
            using var response = await attacker.SendAsync(request);
            return response.StatusCode;
        }

        // The genuine cookie, twice (the second read is the remembered one).
        Assert.Equal(HttpStatusCode.OK, await MeWith(value));
        Assert.Equal(HttpStatusCode.OK, await MeWith(value));
        // Not the last characters: their spare bits may decode to the same bytes.
        foreach (var position in new[] { 0, value.Length / 2, value.Length - 5 })
        {
            var flipped = value[position] == 'A' ? 'B' : 'A';
            Assert.Equal(HttpStatusCode.Unauthorized, await MeWith(string.Concat(value.AsSpan(0, position), flipped.ToString(), value.AsSpan(position + 1))));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await MeWith(value[..^2]));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeWith(value + "AA"));
        Assert.Equal(HttpStatusCode.OK, await MeWith(value));
    }

    [Fact]
    [Trait("Requirement", "R-AUTH-4")]
    [Trait("TestPlan", "SES-04")]
    public async Task PasswordChange_EndsEverySessionOfTheAccount()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        await TestAccounts.UserAsync(factory, "twodevices", Roles.Designer);
        using var laptop = await TestAccounts.SignedInAsync(factory, "twodevices");
        using var workstation = await TestAccounts.SignedInAsync(factory, "twodevices");

        using var change = await laptop.PostAsJsonAsync("/api/me/password", new { currentPassword = TestAccounts.Password, newPassword = "a-brand-new-long-passphrase" });
        using var laptopAfter = await laptop.GetAsync(new Uri("/api/me", UriKind.Relative));
        using var workstationAfter = await workstation.GetAsync(new Uri("/api/me", UriKind.Relative));
        using var oldPassword = await TestAccounts.LoginAsync(TestAccounts.Client(factory), "twodevices");
        using var newPassword = await TestAccounts.LoginAsync(TestAccounts.Client(factory), "twodevices", "a-brand-new-long-passphrase");

        Assert.Equal(HttpStatusCode.NoContent, change.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, laptopAfter.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, workstationAfter.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, oldPassword.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newPassword.StatusCode);
    }

    [Fact]
    [Trait("Requirement", "R-AUTH-4")]
    [Trait("TestPlan", "SES-04")]
    public async Task AdminEndAllSessionsOrDisable_EndsTheUsersSessions()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        var admin = await TestAccounts.UserAsync(factory, "hospital.admin", Roles.InstitutionAdmin);
        var user = await TestAccounts.UserAsync(factory, "to.disable", Roles.Designer, organization: null);
        using var victim = await TestAccounts.SignedInAsync(factory, "to.disable");
        await MfaHelper.EnrolAsync(factory, "hospital.admin");
        using var adminClient = await MfaHelper.SignedInWithMfaAsync(factory, "hospital.admin");

        using var second = await TestAccounts.SignedInAsync(factory, "to.disable");
        using var endAll = await adminClient.PostAsync(new Uri($"/api/users/{user.Id}/end-sessions", UriKind.Relative), null);
        using var afterEndAll = await victim.GetAsync(new Uri("/api/organizations", UriKind.Relative));
        using var third = await TestAccounts.SignedInAsync(factory, "to.disable");
        using var disable = await adminClient.PostAsync(new Uri($"/api/users/{user.Id}/disable", UriKind.Relative), null);
        using var after = await third.GetAsync(new Uri("/api/organizations", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NoContent, endAll.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterEndAll.StatusCode);
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.NotEqual(admin.Id, user.Id);
    }

    [Fact]
    [Trait("TestPlan", "SES-01")]
    public async Task SignIn_IssuesANewSessionCookie()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        await TestAccounts.UserAsync(factory, "fixation", Roles.Designer);
        using var client = TestAccounts.Client(factory);
        using var planted = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
        {
            Content = JsonContent.Create(new { userName = "fixation", password = TestAccounts.Password }),
        };
        planted.Headers.Add("Cookie", "trabecula.session=attacker-chosen-value");

        using var response = await client.SendAsync(planted);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var issued = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("trabecula.session=", StringComparison.Ordinal));
        Assert.DoesNotContain("attacker-chosen-value", issued, StringComparison.Ordinal);
    }
}
