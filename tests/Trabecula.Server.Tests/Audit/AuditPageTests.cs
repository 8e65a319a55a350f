using System.Net;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Audit;

public sealed class AuditPageTests
{
    [Fact]
    [Trait("Requirement", "R-SEC-2")]
    [Trait("TestPlan", "AZ-06")]
    public async Task AuditPage_ShowsEntriesToAuditorsOnly()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        await TestAccounts.UserAsync(factory, "auditor", Roles.Auditor);
        await TestAccounts.UserAsync(factory, "sysadmin", Roles.PlatformAdmin);
        await MfaHelper.EnrolAsync(factory, "auditor");
        await MfaHelper.EnrolAsync(factory, "sysadmin");
        using var auditor = await MfaHelper.SignedInWithMfaAsync(factory, "auditor");
        using var sysadmin = await MfaHelper.SignedInWithMfaAsync(factory, "sysadmin");

        var html = await auditor.GetStringAsync(new Uri("/audit?action=SignIn", UriKind.Relative));
        using var refused = await sysadmin.GetAsync(new Uri("/audit", UriKind.Relative));

        Assert.Contains("id=\"audit-table\"", html, StringComparison.Ordinal);
        Assert.Contains("<td>SignIn</td>", html, StringComparison.Ordinal);
        Assert.Contains("/api/audit/export?format=fhir&amp;action=SignIn", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.StartsWith("/account/status", refused.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
    }
}
