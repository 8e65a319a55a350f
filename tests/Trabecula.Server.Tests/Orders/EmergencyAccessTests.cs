using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Monitoring;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Accounts;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Orders;

/// <summary>Break-glass access (R-AUTH-6, test plan EMG-01) on both databases, with a fake clock.</summary>
public sealed class EmergencyAccessTests
{
    private static readonly Dictionary<string, string?> LongSessions = new() { ["Sessions:IdleTimeoutMinutes"] = "240" };

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-AUTH-6")]
    [Trait("TestPlan", "EMG-01")]
    public async Task EmergencyAccess_NeedsReasonAndSecondFactor_IsMarkedAlertedExpiresAndIsReviewed(DatabaseKind kind)
    {
        var clock = new FakeTimeProvider();
        await using var factory = await TrabeculaFactory.CreateAsync(kind, clock, LongSessions);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        var design = await TestAccounts.OrganizationAsync(factory, "Design House", PartyTypes.Designer);
        using var physician = await MfaHelper.NewUserSignedInAsync(factory, "dr.li", Roles.Physician, hospital);
        using var designer = await MfaHelper.NewUserSignedInAsync(factory, "designer", Roles.Designer, design);
        using var auditor = await MfaHelper.NewUserSignedInAsync(factory, "auditor", Roles.Auditor);
        using var created = await physician.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = "患者甲" },
            requirement = new { deviceCategory = "CranialPlate", clinicalRequirement = "plate" },
        });
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        (await physician.PutAsJsonAsync($"/api/orders/{id}/participants", new { designerId = design.Id })).Dispose();
        var ask = new Uri($"/api/orders/{id}/access?class=IdentifiedPatientData&action=View", UriKind.Relative);
        var emergency = $"/api/orders/{id}/emergency-access";

        // The matrix says no to the designer for identified data.
        Assert.False((bool)JsonNode.Parse(await designer.GetStringAsync(ask))!["allowed"]!);

        // No reason, or no valid second factor: refused, nothing opened.
        using var noReason = await designer.PostAsJsonAsync(emergency, new { reason = "now", totpCode = "123456" });
        using var badCode = await designer.PostAsJsonAsync(emergency, new { reason = "surgeon on the phone, implant fit question", totpCode = "000000" });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, badCode.StatusCode);

        clock.Advance(TimeSpan.FromSeconds(31));
        using var opened = await designer.PostAsJsonAsync(emergency, new { reason = "surgeon on the phone, implant fit question", totpCode = MfaHelper.NextCode(factory, "designer") });
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        var grant = JsonNode.Parse(await opened.Content.ReadAsStringAsync())!;
        var grantId = (string)grant["id"]!;
        Assert.Equal(60, (int)(DateTime.Parse((string)grant["expiresAt"]!, System.Globalization.CultureInfo.InvariantCulture) - DateTime.Parse((string)grant["openedAt"]!, System.Globalization.CultureInfo.InvariantCulture)).TotalMinutes);

        // An alert went out at once.
        using (var scope = factory.Services.CreateScope())
        {
            var alert = await scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>().SecurityAlerts.SingleAsync(a => a.Kind == AlertKind.EmergencyAccess);
            Assert.Contains("designer", alert.Summary, StringComparison.Ordinal);
        }

        // During the window: reading beyond the matrix is allowed and every access is marked.
        var during = JsonNode.Parse(await designer.GetStringAsync(ask))!;
        Assert.True((bool)during["allowed"]!);
        Assert.Equal(grantId, (string?)during["emergencyGrantId"]);
        Assert.False((bool)JsonNode.Parse(await designer.GetStringAsync(new Uri($"/api/orders/{id}/access?class=Audit&action=View", UriKind.Relative)))!["allowed"]!);
        (await designer.GetAsync(new Uri($"/api/orders/{id}", UriKind.Relative))).Dispose();
        var marked = (await SignInTests.AuditAsync(factory, AuditAction.AccessAllowed)).Concat(await SignInTests.AuditAsync(factory, AuditAction.DataViewed))
            .Where(e => e.ActorName == "designer" && e.Details is not null && e.Details.Contains(grantId, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, marked.Count);
        Assert.Single(await SignInTests.AuditAsync(factory, AuditAction.EmergencyAccessOpened));

        // Not reviewable while open.
        using var early = await auditor.PostAsJsonAsync($"/api/emergency-access/{grantId}/review", new { verdict = "Justified", note = "checked" });
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);

        // Past its hour it grants nothing, and becomes a review item even before the sweep records the end.
        clock.Advance(TimeSpan.FromMinutes(61));
        var after = JsonNode.Parse(await designer.GetStringAsync(ask))!;
        Assert.False((bool)after["allowed"]!);
        Assert.Null((string?)after["emergencyGrantId"]);
        var pending = JsonNode.Parse(await auditor.GetStringAsync(new Uri("/api/emergency-access?pending=true", UriKind.Relative)))!.AsArray();
        Assert.Equal(grantId, (string?)Assert.Single(pending)!["id"]);

        using (var scope = factory.Services.CreateScope())
        {
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<EmergencyAccessService>().SweepAsync());
            Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<EmergencyAccessService>().SweepAsync());
        }

        var ended = Assert.Single(await SignInTests.AuditAsync(factory, AuditAction.EmergencyAccessEnded));
        Assert.Equal(AuditActorType.System, ended.ActorType);

        // The holder cannot review; the auditor closes the item with a verdict.
        using var designerReview = await designer.PostAsJsonAsync($"/api/emergency-access/{grantId}/review", new { verdict = "Justified", note = "me" });
        using var reviewed = await auditor.PostAsJsonAsync($"/api/emergency-access/{grantId}/review", new { verdict = "Justified", note = "call log matches the reason" });
        using var twice = await auditor.PostAsJsonAsync($"/api/emergency-access/{grantId}/review", new { verdict = "Misuse", note = "again" });
        Assert.Equal(HttpStatusCode.Forbidden, designerReview.StatusCode);
        Assert.Equal(HttpStatusCode.OK, reviewed.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Empty(JsonNode.Parse(await auditor.GetStringAsync(new Uri("/api/emergency-access?pending=true", UriKind.Relative)))!.AsArray());
        Assert.Single(await SignInTests.AuditAsync(factory, AuditAction.EmergencyAccessReviewed));
    }

    [Fact]
    [Trait("Requirement", "R-AUTH-6")]
    [Trait("TestPlan", "EMG-01")]
    [Trait("TestPlan", "AZ-02")]
    public async Task PlatformBreakGlassRole_ReachesAForeignOrderOnlyDuringItsWindow_AndCannotReviewItself()
    {
        var clock = new FakeTimeProvider();
        var settings = new Dictionary<string, string?>(LongSessions) { ["EmergencyAccess:PlatformRoles:0"] = Roles.Auditor };
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite, clock, settings);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        var other = await TestAccounts.OrganizationAsync(factory, "Hospital B", PartyTypes.MedicalInstitution);
        using var physician = await MfaHelper.NewUserSignedInAsync(factory, "dr.li", Roles.Physician, hospital);
        using var stranger = await MfaHelper.NewUserSignedInAsync(factory, "dr.other", Roles.Physician, other);
        using var responder = await MfaHelper.NewUserSignedInAsync(factory, "responder", Roles.Auditor);
        using var created = await physician.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = "患者乙" },
            requirement = new { deviceCategory = "SurgicalGuide", clinicalRequirement = "guide" },
        });
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        var order = new Uri($"/api/orders/{id}", UriKind.Relative);

        Assert.Equal(HttpStatusCode.NotFound, (await responder.GetAsync(order)).StatusCode);
        clock.Advance(TimeSpan.FromSeconds(31));
        using var strangerTry = await stranger.PostAsJsonAsync($"/api/orders/{id}/emergency-access", new { reason = "I am not designated for this", totpCode = MfaHelper.NextCode(factory, "dr.other") });
        using var opened = await responder.PostAsJsonAsync($"/api/orders/{id}/emergency-access", new { reason = "regulator inquiry on this device", totpCode = MfaHelper.NextCode(factory, "responder"), minutes = 30 });
        Assert.Equal(HttpStatusCode.NotFound, strangerTry.StatusCode);
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        var grantId = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["id"]!;

        using var during = await responder.GetAsync(order);
        Assert.Equal(HttpStatusCode.OK, during.StatusCode);
        Assert.Null(JsonNode.Parse(await during.Content.ReadAsStringAsync())!["patient"]);

        clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Equal(HttpStatusCode.NotFound, (await responder.GetAsync(order)).StatusCode);
        using var selfReview = await responder.PostAsJsonAsync($"/api/emergency-access/{grantId}/review", new { verdict = "Justified", note = "fine" });
        Assert.Equal(HttpStatusCode.Forbidden, selfReview.StatusCode);
    }
}
