using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Production;

/// <summary>
/// The after-factory page of an order (R-TRACE-2), server-rendered and posted as a browser posts
/// its forms: each party sees only its forms, a wrong device scan is refused on the page with the
/// reason and nothing recorded, and the follow-ups it schedules show overdue on the dashboard.
/// </summary>
public sealed class AfterFactoryPagesTests
{
    public static TheoryData<DatabaseKind> Databases => new() { DatabaseKind.Sqlite, DatabaseKind.PostgreSql };

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-TRACE-2")]
    [Trait("TestPlan", "AZ-04")]
    public async Task AfterFactoryPage_ShipReceiveUse_WrongDeviceScanRefusedOnThePage(DatabaseKind kind)
    {
        await using var world = await ProductionWorld.CreateAsync(kind);
        var id = await ProductionFlow.OrderInManufacturingAsync(world);
        var device = await ProductionFlow.ReleasedAsync(world, id, await ProductionFlow.FactoryRecordsAsync(world.Operator));
        var url = $"/orders/{id}/after-factory";

        // Only the order's manufacturer is offered the shipment; outsiders do not learn the order exists.
        var physicianPage = await world.Physician.GetStringAsync(new Uri(url, UriKind.Relative));
        Assert.DoesNotContain("id=\"ship-form\"", physicianPage, StringComparison.Ordinal);
        using (var outsider = await world.OtherPlant.GetAsync(new Uri(url, UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);
        }

        using (var hospitalShips = await PostAsync(world.Physician, url, "Ship", new() { ["Carrier"] = "SF Express", ["TrackingNumber"] = "SF1", ["SentAt"] = "2026-12-01T08:00" }))
        {
            Assert.Contains("id=\"after-factory-error\"", await hospitalShips.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var operatorPage = await world.Operator.GetStringAsync(new Uri(url, UriKind.Relative));
        Assert.Contains("id=\"ship-form\"", operatorPage, StringComparison.Ordinal);
        using (var shipped = await PostAsync(world.Operator, url, "Ship", new() { ["Carrier"] = "SF Express", ["TrackingNumber"] = "SF1234567890", ["SentAt"] = "2026-12-01T08:00" }))
        {
            Assert.Equal(HttpStatusCode.Redirect, shipped.StatusCode);
        }

        using (var received = await PostAsync(world.Physician, url, "Receive", new() { ["Condition"] = "Good", ["PackageIntact"] = "true", ["ReceiptNotes"] = "seal intact" }))
        {
            Assert.Equal(HttpStatusCode.Redirect, received.StatusCode);
        }

        Assert.Contains("id=\"receipt\"", await world.Physician.GetStringAsync(new Uri(url, UriKind.Relative)), StringComparison.Ordinal);
        await ProductionFlow.MoveAsync(world.Physician, id, "Delivered");

        // A wrong device: the page says so in the UI language, keeps what was typed, and nothing is recorded.
        var surgery = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime).AddMonths(-13).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        using (var wrong = await PostAsync(world.Physician, url, "Use", new() { ["SurgeryDate"] = surgery, ["Surgeon"] = "李主任", ["DeviceCode"] = "TB-1999-000001", ["Fit"] = "Fits" }))
        {
            var page = await wrong.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains("id=\"wrong-device\"", page, StringComparison.Ordinal);
            Assert.Contains("请勿植入", page, StringComparison.Ordinal);
            Assert.Contains("value=\"TB-1999-000001\"", page, StringComparison.Ordinal);
            Assert.Contains("id=\"use-form\"", page, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"use-record\"", page, StringComparison.Ordinal);
        }

        // The designer is no physician of the institution: refused by the same rule as the API.
        using (var designerUses = await PostAsync(world.Designer, url, "Use", new() { ["SurgeryDate"] = surgery, ["Surgeon"] = "x", ["DeviceCode"] = (string)device["encoded"]!, ["Fit"] = "Fits" }))
        {
            Assert.Contains("id=\"after-factory-error\"", await designerUses.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await using (var scope = world.Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
            Assert.False(await db.SurgicalUses.AnyAsync());
            var refusal = await db.AuditEntries.AsNoTracking().SingleAsync(e => e.Action == AuditAction.DeviceScanRefused);
            Assert.Equal(AuditOutcome.Denied, refusal.Outcome);
            Assert.Contains("TB-1999-000001", refusal.Details, StringComparison.Ordinal);
        }

        // The right device, scanned from its label: recorded, and its follow-ups (a year and more ago) are overdue.
        using (var used = await PostAsync(world.Physician, url, "Use", new()
        {
            ["SurgeryDate"] = surgery, ["Surgeon"] = "李主任", ["DeviceCode"] = (string)device["encoded"]!, ["Fit"] = "Adjusted", ["FitNotes"] = "rim trimmed 1 mm", ["AdverseEvents"] = "",
        }))
        {
            Assert.Equal(HttpStatusCode.Redirect, used.StatusCode);
        }

        var afterUse = await world.Physician.GetStringAsync(new Uri(url, UriKind.Relative));
        Assert.Contains("id=\"use-record\"", afterUse, StringComparison.Ordinal);
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Count(afterUse, "data-overdue=\"true\""));
        await ProductionFlow.MoveAsync(world.Physician, id, "Used");

        // The dashboard lists them and links to this page; recording one on the page takes it off.
        var home = await world.Physician.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Count(home, "class=\"overdue-follow-up\""));
        Assert.Contains($"href=\"{url}\"", home, StringComparison.Ordinal);
        var followUpForm = await world.Physician.GetStringAsync(new Uri(url, UriKind.Relative));
        var firstFollowUp = System.Text.RegularExpressions.Regex.Match(followUpForm, "<option value=\"([0-9a-f-]{36})\" data-month=\"1\"").Groups[1].Value;
        using (var recorded = await PostAsync(world.Physician, url, "FollowUp", new()
        {
            ["FollowUpId"] = firstFollowUp, ["PerformedOn"] = surgery, ["Outcome"] = "wound healed", ["Feedback"] = "FitIssue", ["FeedbackNotes"] = "temporal edge 1 mm proud",
        }))
        {
            Assert.Equal(HttpStatusCode.Redirect, recorded.StatusCode);
        }

        Assert.Contains("id=\"follow-up-1\" data-overdue=\"false\" data-recorded=\"true\"", await world.Physician.GetStringAsync(new Uri(url, UriKind.Relative)), StringComparison.Ordinal);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(await world.Physician.GetStringAsync(new Uri("/", UriKind.Relative)), "class=\"overdue-follow-up\""));
    }

    /// <summary>Posts the page's form to a handler with the token the page rendered, as a browser does.</summary>
    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string url, string handler, Dictionary<string, string> fields)
    {
        var page = await client.GetStringAsync(new Uri(url, UriKind.Relative));
        fields["__RequestVerificationToken"] = Antiforgery.FormToken(page);
        using var form = new FormUrlEncodedContent(fields);
        return await client.PostAsync(new Uri($"{url}?handler={handler}", UriKind.Relative), form);
    }
}
