using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Features.Permissions;
using Trabecula.Server.Tests.Accounts;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Permissions;

/// <summary>R-XFER-2 / AZ-03: the stage permission matrix, every cell, on both databases.</summary>
public sealed class PermissionMatrixTests
{
    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-XFER-2")]
    [Trait("TestPlan", "AZ-03")]
    public async Task EveryCell_OfTheStoredDefaults_MatchesDocsPolicyCsv(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        _ = factory.Server;
        using var scope = factory.Services.CreateScope();
        var stored = await scope.ServiceProvider.GetRequiredService<AccessPolicy>().LoadAsync();
        var expected = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "docs", "policy.csv"))
            .Where(l => l.Length > 0 && l[0] != '#' && !l.StartsWith("party,", StringComparison.Ordinal))
            .Select(l => l.Split(','))
            .Select(c => (Party: c[0], Role: c[1], Stage: c[2], Class: c[3], Action: c[4]))
            .ToHashSet();

        var mismatches = new List<string>();
        var cells = 0;
        foreach (var party in Enum.GetValues<PartyTypes>().Where(p => p != PartyTypes.None))
        {
            foreach (var role in Roles.All)
            {
                foreach (var stage in Enum.GetValues<OrderState>())
                {
                    foreach (var cls in Enum.GetValues<DataClass>())
                    {
                        foreach (var action in Enum.GetValues<DataAction>())
                        {
                            cells++;
                            var want = expected.Contains((party.ToString(), role, stage.ToString(), cls.ToString(), action.ToString()));
                            if (AccessPolicy.Decide(stored, party, [role], stage, cls, action) != want)
                            {
                                mismatches.Add($"{party}/{role}/{stage}/{cls}/{action}: expected {want}");
                            }
                        }
                    }
                }
            }
        }

        Assert.Empty(mismatches);
        Assert.True(cells > 25_000);
    }

    [Fact]
    [Trait("Requirement", "R-XFER-2")]
    [Trait("Requirement", "R-DATA-6")]
    [Trait("TestPlan", "AZ-03")]
    public void Defaults_KeepTheRulesOfDesignMd()
    {
        var rules = PermissionDefaults.Read().ToHashSet();
        var stages = Enum.GetValues<OrderState>();

        // Identified patient data: only the institution, at any stage.
        Assert.All(rules.Where(r => r.Class == DataClass.IdentifiedPatientData), r => Assert.Equal(PartyTypes.MedicalInstitution, r.Party));
        // De-identified data: the designer from DataConfirmed to DesignApproved and never outside.
        Assert.All(stages, s => Assert.Equal(
            s is >= OrderState.DataConfirmed and <= OrderState.DesignApproved,
            AccessPolicy.Decide(rules, PartyTypes.Designer, [Roles.Designer], s, DataClass.DeidentifiedPatientData, DataAction.Download)));
        // The production package: the manufacturer only after approval.
        Assert.False(AccessPolicy.Decide(rules, PartyTypes.Manufacturer, [Roles.ProductionOperator], OrderState.DesignReview, DataClass.ProductionPackage, DataAction.Download));
        Assert.True(AccessPolicy.Decide(rules, PartyTypes.Manufacturer, [Roles.ProductionOperator], OrderState.DesignApproved, DataClass.ProductionPackage, DataAction.Download));
        // An empty matrix denies everything.
        Assert.False(AccessPolicy.Decide(new HashSet<PermissionCell>(), PartyTypes.MedicalInstitution, Roles.All, OrderState.Designing, DataClass.IdentifiedPatientData, DataAction.View));
        // A role of the wrong party gains nothing.
        Assert.False(AccessPolicy.Decide(rules, PartyTypes.Designer, [Roles.Physician], OrderState.Designing, DataClass.IdentifiedPatientData, DataAction.View));
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-XFER-2")]
    [Trait("Requirement", "R-XFER-1")]
    public async Task Designer_GetsDeidentifiedDataOnlyOnceTheInstitutionConfirmedIt_AndEveryDecisionIsAudited(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        var design = await TestAccounts.OrganizationAsync(factory, "Design House", PartyTypes.Designer);
        await TestAccounts.UserAsync(factory, "dr.li", Roles.Physician, organization: hospital);
        await TestAccounts.UserAsync(factory, "designer", Roles.Designer, organization: design);
        await MfaHelper.EnrolAsync(factory, "dr.li");
        using var physician = await MfaHelper.SignedInWithMfaAsync(factory, "dr.li");
        using var designer = await TestAccounts.SignedInAsync(factory, "designer");
        using var created = await physician.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = "患者甲" },
            requirement = new { deviceCategory = "SurgicalGuide", clinicalRequirement = "guide" },
        });
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        (await physician.PutAsJsonAsync($"/api/orders/{id}/participants", new { designerId = design.Id })).Dispose();
        var ask = $"/api/orders/{id}/access?class=DeidentifiedPatientData&action=Download";

        var early = JsonNode.Parse(await designer.GetStringAsync(new Uri(ask, UriKind.Relative)))!;
        (await physician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "DataCollected" })).Dispose();
        (await physician.PostAsJsonAsync($"/api/orders/{id}/confirmations", new { artifactType = "requirements", version = 1 })).Dispose();
        await DicomSamples.UploadAndConfirmAsync(physician, id);
        (await physician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "DataConfirmed" })).Dispose();
        var confirmed = JsonNode.Parse(await designer.GetStringAsync(new Uri(ask, UriKind.Relative)))!;
        var identified = JsonNode.Parse(await designer.GetStringAsync(new Uri($"/api/orders/{id}/access?class=IdentifiedPatientData&action=View", UriKind.Relative)))!;

        Assert.False((bool)early["allowed"]!);
        Assert.True((bool)confirmed["allowed"]!);
        Assert.False((bool)identified["allowed"]!);
        Assert.Single(await SignInTests.AuditAsync(factory, AuditAction.AccessAllowed), e => e.ActorName == "designer");
        Assert.Equal(2, (await SignInTests.AuditAsync(factory, AuditAction.PermissionDenied)).Count(e => e.TargetType == "order-data"));

        // The matrix is held in memory; a security administrator's change applies to the very next decision.
        using var secadmin = await MfaHelper.NewUserSignedInAsync(factory, "secadmin", Roles.SecurityAdmin);
        using var revoked = await secadmin.PutAsJsonAsync("/api/permissions", new
        {
            party = "Designer", role = "Designer", stage = "DataConfirmed", @class = "DeidentifiedPatientData", action = "Download", allowed = false,
        });
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.False((bool)JsonNode.Parse(await designer.GetStringAsync(new Uri(ask, UriKind.Relative)))!["allowed"]!);
    }

    [Fact]
    [Trait("Requirement", "R-XFER-2")]
    [Trait("TestPlan", "AZ-06")]
    public async Task SecurityAdmin_ChangesACell_Audited_OthersCannot()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        await TestAccounts.UserAsync(factory, "secadmin", Roles.SecurityAdmin);
        await TestAccounts.UserAsync(factory, "sysadmin", Roles.PlatformAdmin);
        await MfaHelper.EnrolAsync(factory, "secadmin");
        await MfaHelper.EnrolAsync(factory, "sysadmin");
        using var secadmin = await MfaHelper.SignedInWithMfaAsync(factory, "secadmin");
        using var sysadmin = await MfaHelper.SignedInWithMfaAsync(factory, "sysadmin");
        var cell = new { party = "Designer", role = "Designer", stage = "DesignReview", @class = "DeidentifiedPatientData", action = "Download", allowed = false };

        using var denied = await sysadmin.PutAsJsonAsync("/api/permissions", cell);
        using var changed = await secadmin.PutAsJsonAsync("/api/permissions", cell);
        var matrix = await secadmin.GetStringAsync(new Uri("/api/permissions", UriKind.Relative));
        using var bad = await secadmin.PutAsJsonAsync("/api/permissions", new { party = "Designer", role = "Nobody", stage = "X", @class = "Y", action = "Z", allowed = true });

        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        var designerDownloads = JsonNode.Parse(matrix)!.AsArray()
            .Where(c => (string?)c!["party"] == "Designer" && (string?)c["class"] == "DeidentifiedPatientData" && (string?)c["action"] == "Download")
            .Select(c => (string?)c!["stage"]).ToList();
        Assert.DoesNotContain("DesignReview", designerDownloads);
        Assert.Contains("DesignApproved", designerDownloads);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var change = Assert.Single(await SignInTests.AuditAsync(factory, AuditAction.SettingsChanged));
        Assert.Equal("permission-matrix", change.TargetType);
    }
}
