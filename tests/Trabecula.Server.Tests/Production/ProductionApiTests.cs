using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Production;

/// <summary>Master records, production steps against the route, QA sign-off and QC release, through the API on both databases.</summary>
public sealed class ProductionApiTests
{
    public static TheoryData<DatabaseKind> Databases => new() { DatabaseKind.Sqlite, DatabaseKind.PostgreSql };

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-TRACE-1")]
    [Trait("TestPlan", "AZ-02")]
    public async Task MasterRecords_KeptByTheFactory_InvisibleToOthers(DatabaseKind kind)
    {
        await using var world = await ProductionWorld.CreateAsync(kind);
        var records = await ProductionFlow.FactoryRecordsAsync(world.Operator, indicator: "Pending");

        // The cycle's indicator is read later: an update, audited with before and after.
        using var read = await world.Inspector.PutAsJsonAsync($"/api/production/sterilization-batches/{records.BatchId}", new { indicatorResult = "Pass" });
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("Pass", (string?)JsonNode.Parse(await read.Content.ReadAsStringAsync())!["indicatorResult"]);
        var lots = JsonNode.Parse(await world.Inspector.GetStringAsync(new Uri("/api/production/lots?lotNumber=TI-2026", UriKind.Relative)))!.AsArray();
        Assert.Equal("TI-2026-0412", (string?)lots.Single()!["lotNumber"]);
        Assert.StartsWith("Ti-6Al-4V", (string?)lots.Single()!["materialName"], StringComparison.Ordinal);

        // Unique within the factory: a second machine with the same serial is refused.
        using var duplicate = await world.Operator.PostAsJsonAsync("/api/production/machines", new { name = "again", serialNumber = "SN-TI-2026-0412", process = "LPBF" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        using var badProcess = await world.Operator.PostAsJsonAsync("/api/production/machines", new { name = "x", serialNumber = "X-1", process = "Welding" });
        Assert.Equal(HttpStatusCode.BadRequest, badProcess.StatusCode);

        // Another factory sees none of it and cannot touch it; a hospital is not a factory.
        Assert.Empty(JsonNode.Parse(await world.OtherPlant.GetStringAsync(new Uri("/api/production/machines", UriKind.Relative)))!.AsArray());
        using var foreign = await world.OtherPlant.PutAsJsonAsync($"/api/production/sterilization-batches/{records.BatchId}", new { indicatorResult = "Fail" });
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        using var foreignDelete = await world.OtherPlant.DeleteAsync(new Uri($"/api/production/lots/{records.LotId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, foreignDelete.StatusCode);
        using var hospital = await world.Physician.GetAsync(new Uri("/api/production/materials", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, hospital.StatusCode);

        // A material with lots stays; an unused machine goes.
        using var materialInUse = await world.Operator.DeleteAsync(new Uri($"/api/production/materials/{records.MaterialId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Conflict, materialInUse.StatusCode);
        using var machineGone = await world.Operator.DeleteAsync(new Uri($"/api/production/machines/{records.MachineId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, machineGone.StatusCode);

        await using var scope = world.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var update = await db.AuditEntries.AsNoTracking().SingleAsync(e => e.TargetType == "sterilization-batch" && e.Action == AuditAction.DataUpdated);
        Assert.Contains("Pending", update.Details, StringComparison.Ordinal);
        Assert.Contains("Pass", update.Details, StringComparison.Ordinal);
        Assert.True(await db.AuditEntries.AnyAsync(e => e.TargetType == "machine" && e.Action == AuditAction.DataDeleted));
        Assert.Equal(1, await db.SterilizationBatches.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-TRACE-1")]
    [Trait("TestPlan", "AZ-04")]
    public async Task Release_WithMissingOrFailedSteps_IsRefusedWithTheList(DatabaseKind kind)
    {
        await using var world = await ProductionWorld.CreateAsync(kind);
        var id = await ProductionFlow.OrderInManufacturingAsync(world);
        var records = await ProductionFlow.FactoryRecordsAsync(world.Operator, indicator: "Fail");

        // Nothing recorded: QC release and the release move list every step of the route.
        using var early = await world.Inspector.PostAsJsonAsync($"/api/orders/{id}/production/steps", ProductionFlow.Step("QcRelease", records));
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        var missing = JsonNode.Parse(await early.Content.ReadAsStringAsync())!["missing"]!.AsArray();
        Assert.Equal(["DataProcessing", "Printing", "PostProcessing", "Cleaning", "Disinfection", "Sterilization", "Inspection"], missing.Select(m => (string?)m!["kind"]));
        using var move = await world.Inspector.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "Released" });
        Assert.Equal(HttpStatusCode.Conflict, move.StatusCode);
        var refused = JsonNode.Parse(await move.Content.ReadAsStringAsync())!;
        Assert.Equal("urn:trabecula:problem:precondition-unmet", (string?)refused["type"]);
        Assert.Equal(["ProductionIncomplete"], refused["unmet"]!.AsArray().Select(u => (string?)u));
        Assert.Contains("Printing (Missing)", (string?)refused["detail"], StringComparison.Ordinal);

        // A record without the route's fields is refused and names them.
        using var bare = await world.Operator.PostAsJsonAsync($"/api/orders/{id}/production/steps", new
        {
            kind = "Printing", result = "Pass", startedAt = "2026-12-01T00:00:00Z", endedAt = "2026-12-01T01:00:00Z", parameters = new Dictionary<string, string> { ["buildJobId"] = "BJ-1" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
        var bareText = await bare.Content.ReadAsStringAsync();
        Assert.Contains("machine", bareText, StringComparison.Ordinal);
        Assert.Contains("layerThicknessUm", bareText, StringComparison.Ordinal);
        using var foreignLot = await world.Operator.PostAsJsonAsync($"/api/orders/{id}/production/steps", ProductionFlow.Step("Printing",
            records with { LotId = await ForeignLotAsync(world) }));
        Assert.Equal(HttpStatusCode.BadRequest, foreignLot.StatusCode);

        // Everything recorded, but printing failed, the sterilization indicator failed, and inspection waits for QA.
        foreach (var step in new[] { "DataProcessing", "PostProcessing", "Cleaning", "Disinfection" })
        {
            await ProductionFlow.RecordAsync(world.Operator, id, ProductionFlow.Step(step, records));
        }

        await ProductionFlow.RecordAsync(world.Operator, id, ProductionFlow.Step("Printing", records, result: "Fail"));
        var sterilization = await ProductionFlow.RecordAsync(world.Operator, id, ProductionFlow.Step("Sterilization", records));
        var inspection = await ProductionFlow.RecordAsync(world.Operator, id, ProductionFlow.Step("Inspection", records));
        using var ownSignOff = await world.Operator.PostAsJsonAsync($"/api/orders/{id}/production/steps/{inspection}/sign-off", new { approve = true });
        Assert.Equal(HttpStatusCode.Forbidden, ownSignOff.StatusCode);
        using var operatorRelease = await world.Operator.PostAsJsonAsync($"/api/orders/{id}/production/steps", ProductionFlow.Step("QcRelease", records));
        Assert.Equal(HttpStatusCode.Forbidden, operatorRelease.StatusCode);

        var route = JsonNode.Parse(await world.Inspector.GetStringAsync(new Uri($"/api/orders/{id}/production", UriKind.Relative)))!["route"]!.AsArray();
        var status = route.ToDictionary(r => (string)r!["kind"]!, r => (string?)r!["status"]);
        Assert.Equal("Failed", status["Printing"]);
        Assert.Equal("IndicatorNotPassed", status["Sterilization"]);
        Assert.Equal("QaPending", status["Inspection"]);
        Assert.Equal("Done", status["Cleaning"]);
        Assert.Equal("Missing", status["QcRelease"]);

        // Printing again passes; the inspector rejects inspection: still refused, now for those two.
        await ProductionFlow.RecordAsync(world.Operator, id, ProductionFlow.Step("Printing", records));
        (await world.Inspector.PostAsJsonAsync($"/api/orders/{id}/production/steps/{inspection}/sign-off", new { approve = false, note = "rim too thin" })).EnsureSuccessStatusCode();
        (await world.Inspector.PostAsJsonAsync($"/api/orders/{id}/production/steps/{sterilization}/sign-off", new { approve = true })).EnsureSuccessStatusCode();
        using var stillEarly = await world.Inspector.PostAsJsonAsync($"/api/orders/{id}/production/steps", ProductionFlow.Step("QcRelease", records));
        Assert.Equal(HttpStatusCode.Conflict, stillEarly.StatusCode);
        var open = JsonNode.Parse(await stillEarly.Content.ReadAsStringAsync())!["missing"]!.AsArray()
            .Select(m => $"{(string?)m!["kind"]}:{(string?)m["status"]}").ToList();
        Assert.Equal(["Sterilization:IndicatorNotPassed", "Inspection:QaRejected"], open);

        await using var scope = world.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        Assert.False(await db.DeviceIdentifiers.AnyAsync());
        Assert.Equal("Manufacturing", (await db.Orders.AsNoTracking().SingleAsync()).State.ToString());
        Assert.True(await db.AuditEntries.AnyAsync(e => e.TargetType == "qc-release" && e.Outcome == AuditOutcome.Denied));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-TRACE-1")]
    public async Task QcRelease_AfterTheWholeRoute_AssignsTheUdiAndReleases(DatabaseKind kind)
    {
        await using var world = await ProductionWorld.CreateAsync(kind);
        var id = await ProductionFlow.OrderInManufacturingAsync(world);
        var records = await ProductionFlow.FactoryRecordsAsync(world.Operator);
        var number = (string)JsonNode.Parse(await world.Operator.GetStringAsync(new Uri($"/api/orders/{id}", UriKind.Relative)))!["number"]!;

        var device = await ProductionFlow.ReleasedAsync(world, id, records);

        // UDI-DI from the category's configuration, serial = order number, lot = build job, dates from printing and the shelf life.
        Assert.Equal($"(01)06901234000016(11)261201(17)291201(10)BJ-0412(21){number}", (string?)device["elementString"]);
        Assert.Equal($"0106901234000016112612011729120110BJ-0412\u001D21{number}", (string?)device["encoded"]);
        var production = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders/{id}/production", UriKind.Relative)))!;
        Assert.Equal("Released", (string?)production["state"]);
        Assert.All(production["route"]!.AsArray(), r => Assert.Equal("Done", (string?)r!["status"]));
        Assert.Equal(ProductionWorld.DeviceName, (string?)production["deviceName"]);
        var printing = production["steps"]!.AsArray().Single(s => (string?)s!["kind"] == "Printing")!;
        Assert.Equal("operator", (string?)printing["operator"]);
        Assert.Equal("280", (string?)printing["parameters"]!["laserPowerW"]);

        // After release, the lot and batch are in use and stay.
        using var lotInUse = await world.Operator.DeleteAsync(new Uri($"/api/production/lots/{records.LotId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Conflict, lotInUse.StatusCode);

        // Steps are recorded in Manufacturing only.
        using var late = await world.Operator.PostAsJsonAsync($"/api/orders/{id}/production/steps", ProductionFlow.Step("Cleaning", records));
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);

        await using var scope = world.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        Assert.True(await db.AuditEntries.AnyAsync(e => e.Action == AuditAction.DeviceIdentifierAssigned && e.TargetId == (string?)device["elementString"]));
        Assert.Equal(8, await db.AuditEntries.CountAsync(e => e.TargetType == "production-step" && e.Action == AuditAction.DataCreated));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-TRACE-1")]
    public async Task Attachment_IsStoredEncryptedAndComesBackByHash(DatabaseKind kind)
    {
        await using var world = await ProductionWorld.CreateAsync(kind);
        var id = await ProductionFlow.OrderInManufacturingAsync(world);
        var records = await ProductionFlow.FactoryRecordsAsync(world.Operator);
        var step = await ProductionFlow.RecordAsync(world.Operator, id, ProductionFlow.Step("Inspection", records));
        var report = "CMM report: rim 2.02 mm; 12/12 holes within 0.1 mm\n"u8.ToArray();

        using var content = new ByteArrayContent(report);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
        using var attached = await world.Operator.PostAsync(new Uri($"/api/orders/{id}/production/steps/{step}/attachments?name=../../cmm.txt", UriKind.Relative), content);
        Assert.True(attached.StatusCode == HttpStatusCode.Created, await attached.Content.ReadAsStringAsync());
        var attachment = JsonNode.Parse(await attached.Content.ReadAsStringAsync())!;
        Assert.Equal("cmm.txt", (string?)attachment["fileName"]);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(report)), (string?)attachment["sha256"]);

        var back = await world.Inspector.GetByteArrayAsync(new Uri($"/api/orders/{id}/production/steps/{step}/attachments/{attachment["id"]}", UriKind.Relative));
        Assert.Equal(report, back);

        // On disk the file is ciphertext: the report's text is nowhere in the data folder.
        var blobs = Directory.GetFiles(Path.Combine(world.Factory.DataDirectory, "blobs"), "*", SearchOption.AllDirectories);
        Assert.NotEmpty(blobs);
        Assert.All(blobs, f => Assert.DoesNotContain("CMM report", System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(f)), StringComparison.Ordinal));
        using var exe = new ByteArrayContent([0x4D, 0x5A]);
        exe.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-msdownload");
        using var refused = await world.Operator.PostAsync(new Uri($"/api/orders/{id}/production/steps/{step}/attachments", UriKind.Relative), exe);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("TestPlan", "AZ-02")]
    [Trait("Requirement", "R-TRACE-1")]
    [Trait("Requirement", "R-TRACE-2")]
    public async Task EveryNewOrderRoute_IsNotFoundForANonParticipant(DatabaseKind kind)
    {
        await using var world = await ProductionWorld.CreateAsync(kind);
        var id = await ProductionFlow.OrderInManufacturingAsync(world);
        var records = await ProductionFlow.FactoryRecordsAsync(world.Operator);
        var step = await ProductionFlow.RecordAsync(world.Operator, id, ProductionFlow.Step("Cleaning", records));
        var followUp = Guid.NewGuid();
        var attachment = Guid.NewGuid();
        var calls = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, $"/api/orders/{id}/production", null),
            (HttpMethod.Post, $"/api/orders/{id}/production/steps", ProductionFlow.Step("Cleaning", records)),
            (HttpMethod.Post, $"/api/orders/{id}/production/steps/{step}/sign-off", new { approve = true }),
            (HttpMethod.Post, $"/api/orders/{id}/production/steps/{step}/attachments", "x"),
            (HttpMethod.Get, $"/api/orders/{id}/production/steps/{step}/attachments/{attachment}", null),
            (HttpMethod.Get, $"/api/orders/{id}/production/label.pdf", null),
            (HttpMethod.Get, $"/api/orders/{id}/delivery", null),
            (HttpMethod.Post, $"/api/orders/{id}/delivery/shipment", new { carrier = "SF", trackingNumber = "1", sentAt = "2026-12-01T00:00:00Z" }),
            (HttpMethod.Post, $"/api/orders/{id}/delivery/receipt", new { condition = "Good", packageIntact = true }),
            (HttpMethod.Get, $"/api/orders/{id}/surgical-use", null),
            (HttpMethod.Post, $"/api/orders/{id}/surgical-use", new { surgeryDate = "2026-12-10", surgeon = "x", deviceCode = "x", fit = "Fits" }),
            (HttpMethod.Get, $"/api/orders/{id}/follow-ups", null),
            (HttpMethod.Post, $"/api/orders/{id}/follow-ups/{followUp}", new { performedOn = "2027-01-10", outcome = "x" }),
            (HttpMethod.Put, $"/api/orders/{id}/follow-ups/closure", new { reason = "x" }),
        };

        foreach (var outsider in new[] { world.OtherHospital, world.OtherPlant })
        {
            foreach (var (method, path, body) in calls)
            {
                using var request = new HttpRequestMessage(method, path)
                {
                    Content = body is string text ? new StringContent(text) : body is null ? null : JsonContent.Create(body),
                };
                using var response = await outsider.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode}");
            }
        }

        await using var scope = world.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        Assert.Equal(1, await db.ProductionSteps.CountAsync());
        Assert.False(await db.Shipments.AnyAsync());
    }

    private static async Task<string> ForeignLotAsync(ProductionWorld world) =>
        (await ProductionFlow.FactoryRecordsAsync(world.OtherPlant, lot: "FOREIGN-1", cycle: "F-1")).LotId;
}
