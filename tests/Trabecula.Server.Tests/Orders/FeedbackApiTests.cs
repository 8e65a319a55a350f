using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Orders;

public sealed class FeedbackApiTests
{
    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-CASE-4")]
    public async Task Comments_ThreadAndMentionParticipants_ConfirmationsBindOneVersion(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        var design = await TestAccounts.OrganizationAsync(factory, "Design House", PartyTypes.Designer);
        var stranger = await TestAccounts.OrganizationAsync(factory, "Stranger Lab", PartyTypes.Designer);
        await TestAccounts.UserAsync(factory, "dr.li", Roles.Physician, organization: hospital);
        await TestAccounts.UserAsync(factory, "designer", Roles.Designer, organization: design);
        await TestAccounts.UserAsync(factory, "outsider", Roles.Designer, organization: stranger);
        await MfaHelper.EnrolAsync(factory, "dr.li");
        using var physician = await MfaHelper.SignedInWithMfaAsync(factory, "dr.li");
        using var designer = await TestAccounts.SignedInAsync(factory, "designer");
        using var created = await physician.PostAsJsonAsync("/api/orders", new { patient = new { name = "患者乙" }, requirement = new { deviceCategory = "SpinalCage", clinicalRequirement = "L4-L5" } });
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        (await physician.PutAsJsonAsync($"/api/orders/{id}/participants", new { designerId = design.Id })).Dispose();

        using var first = await physician.PostAsJsonAsync($"/api/orders/{id}/comments", new { body = "@designer please check the endplate angle; @outsider cannot see this" });
        var firstId = (string)JsonNode.Parse(await first.Content.ReadAsStringAsync())!["id"]!;
        using var reply = await designer.PostAsJsonAsync($"/api/orders/{id}/comments", new { body = "angle is 8 degrees", parentId = firstId, artifactType = "requirements", artifactId = "r1" });
        using var empty = await designer.PostAsJsonAsync($"/api/orders/{id}/comments", new { body = "   " });
        using var confirm = await designer.PostAsJsonAsync($"/api/orders/{id}/confirmations", new { artifactType = "requirements", version = 1 });
        using var again = await designer.PostAsJsonAsync($"/api/orders/{id}/confirmations", new { artifactType = "requirements", version = 1 });
        using var missing = await designer.PostAsJsonAsync($"/api/orders/{id}/confirmations", new { artifactType = "requirements", version = 7 });
        var comments = JsonNode.Parse(await physician.GetStringAsync(new Uri($"/api/orders/{id}/comments", UriKind.Relative)))!.AsArray();
        var confirmations = JsonNode.Parse(await physician.GetStringAsync(new Uri($"/api/orders/{id}/confirmations", UriKind.Relative)))!.AsArray();

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(["designer"], JsonNode.Parse(await first.Content.ReadAsStringAsync())!["mentions"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(2, comments.Count);
        Assert.Equal(firstId, (string?)comments[1]!["parentId"]);
        Assert.Equal(HttpStatusCode.Created, confirm.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("I confirm requirements revision 1.", (string?)Assert.Single(confirmations)!["statement"]);
    }
}
