using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Accounts;
using Trabecula.Server.Tests.Designs;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Transfer;

/// <summary>R-XFER-2 share: one artifact, one named recipient of another participating organization, a window, revocation, the data-class rule; on both databases.</summary>
public sealed class ShareTests
{
    public static TheoryData<DatabaseKind> Databases => new() { DatabaseKind.Sqlite, DatabaseKind.PostgreSql };

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-XFER-2")]
    [Trait("Requirement", "R-TRACE-3")]
    [Trait("TestPlan", "AZ-04")]
    public async Task DesignFile_SharedWithTheFactory_IsTheRecipientsOnlyWhileValid_AndEveryStepIsAudited(DatabaseKind kind)
    {
        await using var world = await DesignFlow.CreateWorldAsync(kind);
        var id = await DesignFlow.OrderInDesigningAsync(world);
        var plate = await DesignSamples.PlateBytesAsync();
        var version = await DesignFlow.UploadVersionAsync(world.Designer, id, plate);
        var model = version["files"]!.AsArray().Single(f => (string?)f!["kind"] == "Model")!;
        var fileId = (string)model["id"]!;
        var outsiders = await TestAccounts.OrganizationAsync(world.Factory, "Other Factory", PartyTypes.Manufacturer);
        await TestAccounts.UserAsync(world.Factory, "outsider", Roles.ProductionOperator, organization: outsiders);

        // In Designing the factory may not read design files by itself (the matrix).
        Assert.Equal(HttpStatusCode.Forbidden, (await world.Operator.GetAsync(new Uri($"/api/orders/{id}/designs/{version["id"]}/files/{fileId}", UriKind.Relative))).StatusCode);

        // Recipients that are not allowed: nobody, the sharer's own organization, an organization not on the order; a window past the maximum.
        foreach (var recipient in new[] { "nobody", "designer", "outsider" })
        {
            using var refused = await ShareAsync(world.Designer, id, "DesignFile", fileId, recipient, 1);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        using (var tooLong = await ShareAsync(world.Designer, id, "DesignFile", fileId, "operator", 169))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        }

        // The factory's operator has no Share cell: they cannot pass on what they do not hold.
        using (var byOperator = await ShareAsync(world.Operator, id, "DesignFile", fileId, "designer", 1))
        {
            Assert.Equal(HttpStatusCode.Forbidden, byOperator.StatusCode);
        }

        var share = await CreatedAsync(await ShareAsync(world.Designer, id, "DesignFile", fileId, "operator", 1));
        var shareId = (string)share["id"]!;
        var content = new Uri($"/api/shares/{shareId}/content", UriKind.Relative);
        Assert.Equal(fileId, (string?)share["artifactId"]);
        Assert.True((bool)share["valid"]!);

        // The recipient sees it and downloads exactly that file; a third user (same factory) and an outsider get 404.
        var incoming = JsonNode.Parse(await world.Operator.GetStringAsync(new Uri("/api/shares/incoming", UriKind.Relative)))!.AsArray();
        Assert.Equal(shareId, (string?)Assert.Single(incoming)!["id"]);
        Assert.Empty(JsonNode.Parse(await world.Inspector.GetStringAsync(new Uri("/api/shares/incoming", UriKind.Relative)))!.AsArray());
        Assert.Equal(plate, await world.Operator.GetByteArrayAsync(content));

        // The pages: the sharer's order page offers the file and lists the share; the recipient's list links the download.
        var sharerPage = await world.Designer.GetStringAsync(new Uri($"/orders/{id}/shares", UriKind.Relative));
        Assert.Contains($"artifact-DesignFile-{fileId}", sharerPage, StringComparison.Ordinal);
        Assert.Contains($"share-{shareId}", sharerPage, StringComparison.Ordinal);
        Assert.Contains($"/api/shares/{shareId}/content", await world.Operator.GetStringAsync(new Uri("/shares", UriKind.Relative)), StringComparison.Ordinal);
        Assert.DoesNotContain("share-form", await world.Operator.GetStringAsync(new Uri($"/orders/{id}/shares", UriKind.Relative)), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await world.Inspector.GetAsync(content)).StatusCode);
        using (var outsider = await TestAccounts.SignedInAsync(world.Factory, "outsider"))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(content)).StatusCode);
        }

        // Only the sharer revokes; the recipient's attempt is 404. A revoked share is 403 for its recipient at once.
        var second = await CreatedAsync(await ShareAsync(world.Designer, id, "DesignFile", fileId, "inspector", 2));
        var secondContent = new Uri($"/api/shares/{second["id"]}/content", UriKind.Relative);
        Assert.Equal(plate, await world.Inspector.GetByteArrayAsync(secondContent));
        Assert.Equal(HttpStatusCode.NotFound, (await world.Inspector.PostAsync(new Uri($"/api/shares/{second["id"]}/revoke", UriKind.Relative), null)).StatusCode);
        using (var revoked = await world.Designer.PostAsync(new Uri($"/api/shares/{second["id"]}/revoke", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await world.Inspector.GetAsync(secondContent)).StatusCode);
        Assert.Empty(JsonNode.Parse(await world.Inspector.GetStringAsync(new Uri("/api/shares/incoming", UriKind.Relative)))!.AsArray());

        // After the window (the test clock): 403, and the list no longer shows it. The sharer's list still does, as ended.
        world.Time.Advance(TimeSpan.FromMinutes(61));
        await world.SignInAgainAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await world.Operator.GetAsync(content)).StatusCode);
        Assert.Empty(JsonNode.Parse(await world.Operator.GetStringAsync(new Uri("/api/shares/incoming", UriKind.Relative)))!.AsArray());
        var mine = JsonNode.Parse(await world.Designer.GetStringAsync(new Uri($"/api/orders/{id}/shares", UriKind.Relative)))!.AsArray();
        Assert.Equal(2, mine.Count);
        Assert.All(mine, s => Assert.False((bool)s!["valid"]!));
        Assert.Equal(HttpStatusCode.NotFound, (await world.Physician.GetAsync(content)).StatusCode);

        var created = await SignInTests.AuditAsync(world.Factory, AuditAction.ShareCreated);
        Assert.Equal(2, created.Count);
        Assert.All(created, e => Assert.Equal("designer", e.ActorName));
        var downloads = await SignInTests.AuditAsync(world.Factory, AuditAction.ShareDownloaded);
        Assert.Equal(["operator", "inspector"], downloads.Select(e => e.ActorName));
        Assert.Single(await SignInTests.AuditAsync(world.Factory, AuditAction.ShareRevoked));
        var refusals = await SignInTests.AuditAsync(world.Factory, AuditAction.ShareRefused);
        Assert.Contains(refusals, e => e.ActorName == "inspector" && e.Details!.Contains("not-recipient", StringComparison.Ordinal));
        Assert.Contains(refusals, e => e.ActorName == "inspector" && e.Details!.Contains("revoked", StringComparison.Ordinal));
        Assert.Contains(refusals, e => e.ActorName == "operator" && e.Details!.Contains("expired", StringComparison.Ordinal));
        Assert.Contains(refusals, e => e.ActorName == "operator" && e.Details!.Contains("matrix", StringComparison.Ordinal));
        Assert.Equal(3, refusals.Count(e => e.ActorName == "designer" && e.Details!.Contains("bad-recipient", StringComparison.Ordinal)));
        Assert.All(refusals, e => Assert.NotEqual(AuditOutcome.Success, e.Outcome));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-XFER-2")]
    [Trait("Requirement", "R-DATA-6")]
    [Trait("TestPlan", "AZ-04")]
    public async Task IdentifiedOriginal_IsNeverShared_TheDeidentifiedDerivativeIs(DatabaseKind kind)
    {
        await using var world = await DesignFlow.CreateWorldAsync(kind);
        var id = await DesignFlow.OrderInDesigningAsync(world);
        var datasets = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders/{id}/datasets", UriKind.Relative)))!.AsArray();
        var instanceId = (string)datasets[0]!["instances"]!.AsArray()[0]!;

        // The default matrix has no Share cell for the identified original...
        using (var identified = await ShareAsync(world.Physician, id, "DicomInstance", instanceId, "designer", 4))
        {
            Assert.Equal(HttpStatusCode.Forbidden, identified.StatusCode);
        }

        // ...and a security administrator who adds one still cannot send it out of the institution (R-DATA-6 is not a matrix cell).
        using (var secadmin = await MfaHelper.NewUserSignedInAsync(world.Factory, "secadmin", Roles.SecurityAdmin))
        {
            using var added = await secadmin.PutAsJsonAsync("/api/permissions", new
            {
                party = "MedicalInstitution", role = "Physician", stage = "Designing", @class = "IdentifiedPatientData", action = "Share", allowed = true,
            });
            Assert.Equal(HttpStatusCode.NoContent, added.StatusCode);
        }

        using (var stillRefused = await ShareAsync(world.Physician, id, "DicomInstance", instanceId, "designer", 4))
        {
            Assert.Equal(HttpStatusCode.Forbidden, stillRefused.StatusCode);
        }

        var share = await CreatedAsync(await ShareAsync(world.Physician, id, "DicomInstanceDeidentified", instanceId, "operator", 4));
        Assert.Equal("DeidentifiedPatientData", (string?)share["dataClass"]);
        var derivative = await world.Designer.GetByteArrayAsync(new Uri($"/api/orders/{id}/datasets/{datasets[0]!["id"]}/instances/{instanceId}/deidentified", UriKind.Relative));
        Assert.Equal(derivative, await world.Operator.GetByteArrayAsync(new Uri($"/api/shares/{share["id"]}/content", UriKind.Relative)));

        // The share names one artifact: its id does not reach another kind or another order's file.
        Assert.Equal(HttpStatusCode.NotFound, (await ShareAsync(world.Physician, id, "DesignFile", instanceId, "operator", 1)).StatusCode);
        var refusals = await SignInTests.AuditAsync(world.Factory, AuditAction.ShareRefused);
        Assert.Single(refusals, e => e.Details!.Contains("\"matrix\"", StringComparison.Ordinal));
        Assert.Single(refusals, e => e.Details!.Contains("data-class", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-XFER-2")]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "AZ-04")]
    public async Task SharedFile_StreamsLikeADownload_WithRangesAndETag_AuditedEachTime_AndStopsWhenRevoked(DatabaseKind kind)
    {
        await using var world = await DesignFlow.CreateWorldAsync(kind);
        var id = await DesignFlow.OrderInDesigningAsync(world);
        var plate = await DesignSamples.PlateBytesAsync();
        var version = await DesignFlow.UploadVersionAsync(world.Designer, id, plate);
        var fileId = (string)version["files"]!.AsArray().Single(f => (string?)f!["kind"] == "Model")!["id"]!;
        var share = await CreatedAsync(await ShareAsync(world.Designer, id, "DesignFile", fileId, "operator", 1));
        var content = new Uri($"/api/shares/{share["id"]}/content", UriKind.Relative);

        // The whole file: an attachment with a strong ETag, ranges offered, nothing cached or sniffed.
        using var whole = await world.Operator.GetAsync(content);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(plate, await whole.Content.ReadAsByteArrayAsync());
        var etag = Assert.IsType<System.Net.Http.Headers.EntityTagHeaderValue>(whole.Headers.ETag);
        Assert.Contains("bytes", whole.Headers.AcceptRanges);
        Assert.Equal("attachment", whole.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", whole.Headers.GetValues("X-Content-Type-Options").Single());

        // A range across the first chunk boundary (64 KiB) when the file is that long, else its middle; then a suffix.
        var from = plate.Length > 70_000 ? 65_000 : plate.Length / 3;
        var to = Math.Min(plate.Length - 1, from + 2_000);
        using (var request = new HttpRequestMessage(HttpMethod.Get, content))
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(from, to);
            using var part = await world.Operator.SendAsync(request);
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal($"bytes {from}-{to}/{plate.Length}", part.Content.Headers.ContentRange?.ToString());
            Assert.Equal(plate.AsSpan(from, to - from + 1).ToArray(), await part.Content.ReadAsByteArrayAsync());
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, content))
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(null, 100);
            request.Headers.IfRange = new System.Net.Http.Headers.RangeConditionHeaderValue(etag);
            using var tail = await world.Operator.SendAsync(request);
            Assert.Equal(HttpStatusCode.PartialContent, tail.StatusCode);
            Assert.Equal(plate.AsSpan(plate.Length - 100).ToArray(), await tail.Content.ReadAsByteArrayAsync());
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, content))
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(plate.Length + 10, null);
            using var outside = await world.Operator.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, outside.StatusCode);
        }

        // Still the recipient's alone, range or not; every fetch is audited; revoked, a range gets nothing either.
        using (var request = new HttpRequestMessage(HttpMethod.Get, content))
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 10);
            using var inspector = await world.Inspector.SendAsync(request);
            Assert.Equal(HttpStatusCode.NotFound, inspector.StatusCode);
        }

        Assert.Equal(4, (await SignInTests.AuditAsync(world.Factory, AuditAction.ShareDownloaded)).Count);
        (await world.Designer.PostAsync(new Uri($"/api/shares/{share["id"]}/revoke", UriKind.Relative), null)).EnsureSuccessStatusCode();
        using (var request = new HttpRequestMessage(HttpMethod.Get, content))
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 10);
            using var revoked = await world.Operator.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, revoked.StatusCode);
        }

        Assert.Equal(4, (await SignInTests.AuditAsync(world.Factory, AuditAction.ShareDownloaded)).Count);
    }

    private static Task<HttpResponseMessage> ShareAsync(HttpClient client, string orderId, string artifactKind, string artifactId, string recipient, int hours) =>
        client.PostAsJsonAsync($"/api/orders/{orderId}/shares", new { artifactKind, artifactId, recipient, hours });

    private static async Task<JsonNode> CreatedAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, body);
            return JsonNode.Parse(body)!;
        }
    }
}
