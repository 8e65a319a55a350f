using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Accounts;

public sealed class TwoFactorTests
{
    [Fact]
    public void Totp_Rfc6238TestVector_Matches()
    {
        // RFC 6238 Appendix B, SHA-1 secret "12345678901234567890", T = 59 s -> 94287082 (8 digits); 6 digits: 287082.
        var secret = "12345678901234567890"u8.ToArray();

        Assert.Equal("287082", Totp.Compute(secret, 59 / 30));
        Assert.Equal("081804", Totp.Compute(secret, 1111111109 / 30));
        Assert.Equal(secret, Totp.FromBase32(Totp.ToBase32(secret)));
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-AUTH-2")]
    [Trait("TestPlan", "AUTH-04")]
    public async Task Physician_WithoutMfa_MustEnrolBeforeDoingAnything(DatabaseKind kind)
    {
        var clock = new FakeTimeProvider();
        await using var factory = await TrabeculaFactory.CreateAsync(kind, clock);
        await TestAccounts.UserAsync(factory, "dr.li", Roles.Physician);
        using var client = TestAccounts.Client(factory);

        using var login = await TestAccounts.LoginAsync(client, "dr.li");
        var setup = JsonNode.Parse(await login.Content.ReadAsStringAsync())!["setupRequired"]!.AsArray().Select(n => (string?)n).ToList();
        await TestAccounts.AddAntiforgeryAsync(client);
        using var blocked = await client.GetAsync(new Uri("/api/organizations", UriKind.Relative));
        using var begin = await client.PostAsync(new Uri("/api/me/mfa/setup", UriKind.Relative), null);
        var secret = Totp.FromBase32((string)JsonNode.Parse(await begin.Content.ReadAsStringAsync())!["secret"]!);
        using var wrongCode = await client.PostAsJsonAsync("/api/me/mfa/confirm", new { code = "000000" == Totp.Compute(secret, Totp.StepAt(clock.GetUtcNow())) ? "111111" : "000000" });
        using var confirm = await client.PostAsJsonAsync("/api/me/mfa/confirm", new { code = Totp.Compute(secret, Totp.StepAt(clock.GetUtcNow())) });
        var recovery = JsonNode.Parse(await confirm.Content.ReadAsStringAsync())!["codes"]!.AsArray().Select(n => (string)n!).ToList();
        await TestAccounts.AddAntiforgeryAsync(client);
        using var allowed = await client.GetAsync(new Uri("/api/organizations", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(["mfa"], setup);
        Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrongCode.StatusCode);
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Equal(10, recovery.Distinct().Count());
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Single(await SignInTests.AuditAsync(factory, AuditAction.MfaEnrolled));
        Assert.Single(await SignInTests.AuditAsync(factory, AuditAction.PermissionDenied));
    }

    [Fact]
    [Trait("Requirement", "R-AUTH-2")]
    [Trait("TestPlan", "AUTH-04")]
    public async Task Login_WithMfa_NeedsCodeAndUsesEachCodeOnce()
    {
        var clock = new FakeTimeProvider();
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite, clock);
        await TestAccounts.UserAsync(factory, "auditor.wei", Roles.Auditor);
        await MfaHelper.EnrolAsync(factory, "auditor.wei");
        clock.Advance(TimeSpan.FromSeconds(30));
        var code = MfaHelper.NextCode(factory, "auditor.wei");

        using var passwordOnly = await TestAccounts.LoginAsync(TestAccounts.Client(factory), "auditor.wei");
        using var withCode = await TestAccounts.LoginAsync(TestAccounts.Client(factory), "auditor.wei", totp: code);
        using var replayed = await TestAccounts.LoginAsync(TestAccounts.Client(factory), "auditor.wei", totp: code);
        using var wrongPasswordRightCode = await TestAccounts.LoginAsync(TestAccounts.Client(factory), "auditor.wei", "wrong-password-123", totp: MfaHelper.NextCode(factory, "auditor.wei"));

        Assert.Equal(HttpStatusCode.Unauthorized, passwordOnly.StatusCode);
        Assert.Equal("urn:trabecula:problem:second-factor-required", (string?)JsonNode.Parse(await passwordOnly.Content.ReadAsStringAsync())!["type"]);
        Assert.Equal(HttpStatusCode.OK, withCode.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Equal("urn:trabecula:problem:sign-in-failed", (string?)JsonNode.Parse(await replayed.Content.ReadAsStringAsync())!["type"]);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongPasswordRightCode.StatusCode);
    }

    [Fact]
    [Trait("Requirement", "R-AUTH-2")]
    [Trait("TestPlan", "AUTH-04")]
    public async Task RecoveryCode_WorksOnce()
    {
        var clock = new FakeTimeProvider();
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite, clock);
        await TestAccounts.UserAsync(factory, "dr.wang", Roles.Physician);
        using var client = TestAccounts.Client(factory);
        (await TestAccounts.LoginAsync(client, "dr.wang")).Dispose();
        await TestAccounts.AddAntiforgeryAsync(client);
        using var begin = await client.PostAsync(new Uri("/api/me/mfa/setup", UriKind.Relative), null);
        var secret = Totp.FromBase32((string)JsonNode.Parse(await begin.Content.ReadAsStringAsync())!["secret"]!);
        using var confirm = await client.PostAsJsonAsync("/api/me/mfa/confirm", new { code = Totp.Compute(secret, Totp.StepAt(clock.GetUtcNow())) });
        var recovery = (string)JsonNode.Parse(await confirm.Content.ReadAsStringAsync())!["codes"]![3]!;

        using var first = await TestAccounts.LoginAsync(TestAccounts.Client(factory), "dr.wang", recovery: recovery);
        using var second = await TestAccounts.LoginAsync(TestAccounts.Client(factory), "dr.wang", recovery: recovery);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        Assert.Single(await SignInTests.AuditAsync(factory, AuditAction.RecoveryCodeUsed));
    }
}
