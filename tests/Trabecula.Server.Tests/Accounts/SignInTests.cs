using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Accounts;

public sealed class SignInTests
{
    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-AUTH-2")]
    [Trait("Requirement", "R-SEC-2")]
    public async Task Login_CorrectPassword_StartsSessionAndAudits(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        await TestAccounts.UserAsync(factory, "designer.one", Roles.Designer);
        using var client = TestAccounts.Client(factory);

        using var login = await TestAccounts.LoginAsync(client, "designer.one");
        using var me = await client.GetAsync(new Uri("/api/me", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("trabecula.session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var body = JsonNode.Parse(await me.Content.ReadAsStringAsync())!;
        Assert.Equal("designer.one", (string?)body["userName"]);
        Assert.Equal("Hospital A", (string?)body["organizationName"]);
        Assert.Single(await AuditAsync(factory, AuditAction.SignIn));
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-AUTH-3")]
    [Trait("TestPlan", "AUTH-01")]
    public async Task Lockout_AfterFiveFailures_RefusesCorrectPasswordForFifteenMinutes(DatabaseKind kind)
    {
        var clock = new FakeTimeProvider();
        await using var factory = await TrabeculaFactory.CreateAsync(kind, clock);
        await TestAccounts.UserAsync(factory, "victim", Roles.Designer);
        using var client = TestAccounts.Client(factory);

        for (var i = 0; i < 5; i++)
        {
            using var wrong = await TestAccounts.LoginAsync(client, "victim", "not-the-password-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var whileLocked = await TestAccounts.LoginAsync(client, "victim");
        clock.Advance(TimeSpan.FromMinutes(14));
        using var stillLocked = await TestAccounts.LoginAsync(client, "victim");
        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        using var afterLockout = await TestAccounts.LoginAsync(client, "victim");

        Assert.Equal(HttpStatusCode.Unauthorized, whileLocked.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, stillLocked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterLockout.StatusCode);
        Assert.Single(await AuditAsync(factory, AuditAction.Lockout));
        Assert.Equal(7, (await AuditAsync(factory, AuditAction.SignInFailed)).Count);
        using var scope = factory.Services.CreateScope();
        var alert = await scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>().SecurityAlerts.SingleAsync();
        Assert.Equal("victim", alert.Subject);
    }

    [Fact]
    [Trait("Requirement", "R-AUTH-3")]
    [Trait("TestPlan", "AUTH-01")]
    [Trait("TestPlan", "AUTH-03")]
    public async Task Failures_UnknownUserWrongPasswordLockedAccount_AreIndistinguishable()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        await TestAccounts.UserAsync(factory, "known", Roles.Designer);
        await TestAccounts.UserAsync(factory, "locked", Roles.Designer);
        using var client = TestAccounts.Client(factory);
        for (var i = 0; i < 5; i++)
        {
            (await TestAccounts.LoginAsync(client, "locked", "wrong-password-" + i)).Dispose();
        }

        var unknown = await FailureAsync(client, "nobody-here", TestAccounts.Password);
        var wrong = await FailureAsync(client, "known", "wrong-password-x");
        var locked = await FailureAsync(client, "locked", TestAccounts.Password);

        Assert.Equal(unknown.Body, wrong.Body);
        Assert.Equal(unknown.Body, locked.Body);
        Assert.Equal("urn:trabecula:problem:sign-in-failed", JsonNode.Parse(unknown.Body)!["type"]!.GetValue<string>());
    }

    [Fact]
    [Trait("Requirement", "R-AUTH-3")]
    [Trait("TestPlan", "AUTH-02")]
    public async Task Login_FromOneAddressBeyondTheLimit_AnswersTooManyRequests()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite, settings: new Dictionary<string, string?> { ["SignIn:RequestsPerMinutePerAddress"] = "3" });
        using var client = TestAccounts.Client(factory);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await TestAccounts.LoginAsync(client, "user" + i, "whatever-password");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Equal("60", response.Headers.RetryAfter?.ToString());
            }
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
    }

    [Theory]
    [InlineData("{\"userName\": 5}")]
    [InlineData("not json")]
    [InlineData("{\"userName\":\"a\",\"password\":\"b\"")]
    [Trait("TestPlan", "INJ-04")]
    public async Task Login_MalformedBody_IsBadRequestProblem(string body)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        using var client = TestAccounts.Client(factory);

        using var response = await client.PostAsync(new Uri("/api/auth/login", UriKind.Relative), new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.True(HttpStatusCode.BadRequest == response.StatusCode, await response.Content.ReadAsStringAsync());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("   at ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Requirement", "R-AUTH-2")]
    public async Task ChangePassword_CommonOrShortPassword_IsRejected()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        await TestAccounts.UserAsync(factory, "designer.pw", Roles.Designer);
        using var client = await TestAccounts.SignedInAsync(factory, "designer.pw");

        foreach (var candidate in new[] { "short-pw", "1qaz2wsx3edc", "Qwerty123456", "password1234", "designer.pw-is-mine" })
        {
            using var response = await client.PostAsJsonAsync("/api/me/password", new { currentPassword = TestAccounts.Password, newPassword = candidate });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        Assert.True(CommonPasswordValidator.Count >= 10_000);
    }

    private static async Task<(HttpStatusCode Status, string Body)> FailureAsync(HttpClient client, string userName, string password)
    {
        using var response = await TestAccounts.LoginAsync(client, userName, password);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var node = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        node.Remove("traceId");
        return (response.StatusCode, node.ToJsonString());
    }

    internal static async Task<List<AuditEntry>> AuditAsync(TrabeculaFactory factory, AuditAction action)
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        return await db.AuditEntries.Where(e => e.Action == action).OrderBy(e => e.Sequence).ToListAsync();
    }
}
