using System.Net;
using System.Text.RegularExpressions;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Accounts;

public sealed partial class PeoplePageTests
{
    [Fact]
    [Trait("Requirement", "R-AUTH-1")]
    public async Task OrgAdmin_InvitesAndApprovesThroughThePage()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        var lab = await TestAccounts.OrganizationAsync(factory, "Design Lab", PartyTypes.Designer);
        using var admin = await MfaHelper.NewUserSignedInAsync(factory, "lab.admin", Roles.OrgAdmin, lab);

        var page = await admin.GetStringAsync(new Uri("/admin/people", UriKind.Relative));
        using var invite = await admin.PostAsync(new Uri("/admin/people?handler=Invite", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Invite.UserName"] = "new.designer",
            ["Invite.LegalName"] = "周设计",
            ["Invite.IdentityDocumentNumber"] = "310101199512120011",
            ["Invite.MobileNumber"] = "13600000000",
            ["Invite.Role"] = Roles.Designer,
            ["__RequestVerificationToken"] = Infrastructure.Antiforgery.FormToken(page),
        }));
        var afterInvite = await invite.Content.ReadAsStringAsync();
        var password = OneTimePassword().Match(afterInvite).Groups[1].Value;
        var userId = ApproveFor().Match(afterInvite).Groups[1].Value;
        using var approve = await admin.PostAsync(new Uri("/admin/people?handler=Approve", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userId"] = userId,
            ["__RequestVerificationToken"] = Infrastructure.Antiforgery.FormToken(afterInvite),
        }));
        var listed = await admin.GetStringAsync(new Uri("/admin/people", UriKind.Relative));
        using var login = await TestAccounts.LoginAsync(TestAccounts.Client(factory), "new.designer", password);

        Assert.Equal(HttpStatusCode.OK, invite.StatusCode);
        Assert.Equal(16, password.Length);
        Assert.Contains("310***********0011", afterInvite, StringComparison.Ordinal);
        Assert.DoesNotContain("310101199512120011", afterInvite, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, approve.StatusCode);
        Assert.Contains("已认证", listed, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [GeneratedRegex("id=\"one-time-password\"[^<]*<code>([^<]+)</code>")]
    private static partial Regex OneTimePassword();

    [GeneratedRegex("name=\"userId\" value=\"([0-9a-f-]{36})\" /><button class=\"btn btn-sm btn-success approve\"")]
    private static partial Regex ApproveFor();
}
