using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Accounts;

public sealed class PeopleAdministrationTests
{
    private const string IdentityCanary = "110101199003071234";

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-AUTH-1")]
    [Trait("Requirement", "R-ORG-1")]
    [Trait("TestPlan", "AUTH-05")]
    public async Task InvitedPhysician_IsPendingUntilApproved_AndIdentityNumberIsEncryptedAndMasked(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        using var admin = await MfaHelper.NewUserSignedInAsync(factory, "hospital.admin", Roles.InstitutionAdmin, hospital);

        using var invite = await admin.PostAsJsonAsync($"/api/organizations/{hospital.Id}/users", new
        {
            userName = "dr.zhang",
            legalName = "张三CANARY7",
            identityDocumentNumber = IdentityCanary,
            mobileNumber = "13912345678",
            practitionerLicenceNumber = "110110000123456",
            roles = new[] { Roles.Physician },
        });
        var invited = JsonNode.Parse(await invite.Content.ReadAsStringAsync())!;
        var password = (string)invited["oneTimePassword"]!;
        var userId = (string)invited["user"]!["id"]!;
        using var newcomer = TestAccounts.Client(factory);
        using var pendingLogin = await TestAccounts.LoginAsync(newcomer, "dr.zhang", password);
        using var pendingMe = await newcomer.GetAsync(new Uri("/api/me", UriKind.Relative));
        using var pendingWork = await newcomer.GetAsync(new Uri("/api/organizations", UriKind.Relative));
        using var approve = await admin.PostAsync(new Uri($"/api/users/{userId}/approve", UriKind.Relative), null);
        using var afterApproval = await TestAccounts.LoginAsync(TestAccounts.Client(factory), "dr.zhang", password);

        Assert.Equal(HttpStatusCode.Created, invite.StatusCode);
        Assert.Equal("110***********1234", (string?)invited["user"]!["identityDocumentNumberMasked"]);
        Assert.Equal("Pending", (string?)invited["user"]!["status"]);
        Assert.Equal(HttpStatusCode.OK, pendingLogin.StatusCode);
        Assert.Equal("Pending", (string?)JsonNode.Parse(await pendingMe.Content.ReadAsStringAsync())!["status"]);
        Assert.Equal(HttpStatusCode.Forbidden, pendingWork.StatusCode);
        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        var setup = JsonNode.Parse(await afterApproval.Content.ReadAsStringAsync())!["setupRequired"]!.AsArray().Select(n => (string?)n);
        Assert.Equal(["password", "mfa"], setup);

        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var stored = await db.Database.SqlQuery<string>($"SELECT \"IdentityDocumentNumber\" AS \"Value\" FROM \"AspNetUsers\" WHERE \"UserName\" = {"dr.zhang"}").SingleAsync();
        Assert.StartsWith("v1:", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(IdentityCanary, stored, StringComparison.Ordinal);
        Assert.Equal(IdentityCanary, (await db.Users.SingleAsync(u => u.UserName == "dr.zhang")).IdentityDocumentNumber);
        Assert.Single(await SignInTests.AuditAsync(factory, AuditAction.UserApproved));
        Assert.Single(await SignInTests.AuditAsync(factory, AuditAction.UserInvited));
    }

    [Fact]
    [Trait("TestPlan", "CRY-01")]
    public async Task IdentityNumberCanary_NeverAppearsInTheDatabaseFile()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        using var admin = await MfaHelper.NewUserSignedInAsync(factory, "hospital.admin", Roles.InstitutionAdmin, hospital);
        using var invite = await admin.PostAsJsonAsync($"/api/organizations/{hospital.Id}/users", new
        {
            userName = "nurse.canary", legalName = "李四", identityDocumentNumber = IdentityCanary, mobileNumber = "13912345678", roles = new[] { Roles.InstitutionAdmin },
        });
        Assert.Equal(HttpStatusCode.Created, invite.StatusCode);

        // The database file and its write-ahead log, keys, everything in the data folder.
        var canary = Encoding.UTF8.GetBytes(IdentityCanary);
        foreach (var file in Directory.GetFiles(factory.DataDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(canary) < 0, $"{Path.GetFileName(file)} holds the identity number in clear");
        }
    }

    [Fact]
    [Trait("Requirement", "R-ORG-2")]
    [Trait("TestPlan", "AZ-06")]
    public async Task SeparationOfDuties_SystemAdminSecurityAdminAuditorStayApart()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        var platform = await TestAccounts.OrganizationAsync(factory, "Platform", PartyTypes.PlatformOperator);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        await TestAccounts.UserAsync(factory, "sysadmin", Roles.PlatformAdmin, organization: platform);
        await TestAccounts.UserAsync(factory, "auditor", Roles.Auditor, organization: platform);
        await TestAccounts.UserAsync(factory, "hospital.admin", Roles.InstitutionAdmin, organization: hospital);
        foreach (var name in new[] { "sysadmin", "auditor", "hospital.admin" })
        {
            await MfaHelper.EnrolAsync(factory, name);
        }

        using var sysadmin = await MfaHelper.SignedInWithMfaAsync(factory, "sysadmin");
        using var auditor = await MfaHelper.SignedInWithMfaAsync(factory, "auditor");
        using var hospitalAdmin = await MfaHelper.SignedInWithMfaAsync(factory, "hospital.admin");
        var victim = await TestAccounts.UserAsync(factory, "someone", Roles.Designer, organization: hospital);

        using var sysadminReadsAudit = await sysadmin.GetAsync(new Uri("/api/audit/entries", UriKind.Relative));
        using var auditorDisablesUser = await auditor.PostAsync(new Uri($"/api/users/{victim.Id}/disable", UriKind.Relative), null);
        using var twoDuties = await sysadmin.PostAsJsonAsync($"/api/organizations/{platform.Id}/users", new
        {
            userName = "both", legalName = "X", identityDocumentNumber = "110101199001011111", mobileNumber = "1390000", roles = new[] { Roles.PlatformAdmin, Roles.Auditor },
        });
        using var orgAdminGrantsAuditor = await hospitalAdmin.PutAsJsonAsync($"/api/users/{victim.Id}/roles", new { roles = new[] { Roles.Auditor } });
        using var otherOrg = await hospitalAdmin.GetAsync(new Uri($"/api/organizations/{platform.Id}/users", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, sysadminReadsAudit.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, auditorDisablesUser.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, twoDuties.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, orgAdminGrantsAuditor.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherOrg.StatusCode);
        Assert.True((await SignInTests.AuditAsync(factory, AuditAction.PermissionDenied)).Count >= 2);
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-ORG-1")]
    public async Task PlatformAdmin_CreatesOrganizationsWithTheirLicences(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        using var admin = await MfaHelper.NewUserSignedInAsync(factory, "sysadmin", Roles.PlatformAdmin);

        using var created = await admin.PostAsJsonAsync("/api/organizations", new
        {
            name = "自研自产注册人", partyTypes = new[] { "Designer", "Manufacturer", "MarketingAuthorizationHolder" },
            productionLicenceNumber = "沪药监械生产许20260001号", registrationNumber = "国械注准20263130001",
        });
        using var missingLicence = await admin.PostAsJsonAsync("/api/organizations", new { name = "无证医院", partyTypes = new[] { "MedicalInstitution" } });
        using var badType = await admin.PostAsJsonAsync("/api/organizations", new { name = "X", partyTypes = new[] { "Pharmacy" } });
        using var duplicate = await admin.PostAsJsonAsync("/api/organizations", new
        {
            name = "自研自产注册人", partyTypes = new[] { "Designer" },
        });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(["Designer", "Manufacturer", "MarketingAuthorizationHolder"],
            JsonNode.Parse(await created.Content.ReadAsStringAsync())!["partyTypes"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(HttpStatusCode.BadRequest, missingLicence.StatusCode);
        Assert.Contains("practiceLicenceNumber", await missingLicence.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badType.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
    }
}
