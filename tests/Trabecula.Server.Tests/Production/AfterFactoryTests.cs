using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Production;

/// <summary>Delivery, surgical use and follow-up (R-TRACE-2), each the guard of its lifecycle move, and the trace queries over them (R-TRACE-3).</summary>
public sealed class AfterFactoryTests
{
    public static TheoryData<DatabaseKind> Databases => new() { DatabaseKind.Sqlite, DatabaseKind.PostgreSql };

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-TRACE-2")]
    [Trait("TestPlan", "AZ-04")]
    public async Task Delivery_Use_FollowUp_EachGuardsItsMove_WrongDeviceRefused(DatabaseKind kind)
    {
        await using var world = await ProductionWorld.CreateAsync(kind);
        var id = await ProductionFlow.OrderInManufacturingAsync(world);
        var device = await ProductionFlow.ReleasedAsync(world, id, await ProductionFlow.FactoryRecordsAsync(world.Operator));

        // Delivered waits for the shipment, then for the institution's receipt.
        Assert.Equal("NotShipped", await UnmetAsync(world.Physician, id, "Delivered"));
        using var hospitalShips = await world.Physician.PostAsJsonAsync($"/api/orders/{id}/delivery/shipment", new { carrier = "SF Express", trackingNumber = "SF1234567890", sentAt = "2026-12-01T08:00:00Z" });
        Assert.Equal(HttpStatusCode.Forbidden, hospitalShips.StatusCode);
        using var shipped = await world.Operator.PostAsJsonAsync($"/api/orders/{id}/delivery/shipment", new { carrier = "SF Express", trackingNumber = "SF1234567890", sentAt = "2026-12-01T08:00:00Z" });
        Assert.Equal(HttpStatusCode.Created, shipped.StatusCode);
        Assert.Equal("ReceiptMissing", await UnmetAsync(world.Physician, id, "Delivered"));
        using var factoryReceives = await world.Operator.PostAsJsonAsync($"/api/orders/{id}/delivery/receipt", new { condition = "Good", packageIntact = true });
        Assert.Equal(HttpStatusCode.Forbidden, factoryReceives.StatusCode);
        using var received = await world.Physician.PostAsJsonAsync($"/api/orders/{id}/delivery/receipt", new { receivedAt = "2026-12-02T09:00:00Z", condition = "Good", packageIntact = true, notes = "seal intact" });
        Assert.Equal(HttpStatusCode.OK, received.StatusCode);
        await ProductionFlow.MoveAsync(world.Physician, id, "Delivered");

        // Surgery: a wrong device is refused and audited; the right one, as scanned from the label, is recorded.
        Assert.Equal("SurgicalUseMissing", await UnmetAsync(world.Physician, id, "Used"));
        var serial = (string)device["serialNumber"]!;
        foreach (var wrong in new[] { "(01)06901234000023(21)" + serial, "(01)06901234000016(21)TB-1999-000001", "TB-1999-000001", "(01)06901234000016(10)OTHER(21)" + serial })
        {
            using var refused = await world.Physician.PostAsJsonAsync($"/api/orders/{id}/surgical-use", new { surgeryDate = "2026-12-10", surgeon = "李主任", deviceCode = wrong, fit = "Fits" });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Equal("urn:trabecula:problem:wrong-device", (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["type"]);
        }

        using var expired = await world.Physician.PostAsJsonAsync($"/api/orders/{id}/surgical-use", new { surgeryDate = "2030-01-01", surgeon = "李主任", deviceCode = (string)device["encoded"]!, fit = "Fits" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, expired.StatusCode);
        using var used = await world.Physician.PostAsJsonAsync($"/api/orders/{id}/surgical-use", new
        {
            surgeryDate = "2026-12-10", surgeon = "李主任", deviceCode = (string)device["encoded"]!, fit = "Adjusted", fitNotes = "rim trimmed 1 mm at the temporal edge", adverseEvents = "",
        });
        Assert.Equal(HttpStatusCode.Created, used.StatusCode);
        await ProductionFlow.MoveAsync(world.Physician, id, "Used");
        await ProductionFlow.MoveAsync(world.Physician, id, "FollowUp");

        // Follow-ups at 1, 3, 6, 12 months after surgery; closing waits for the final one.
        var plan = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders/{id}/follow-ups", UriKind.Relative)))!["followUps"]!.AsArray();
        Assert.Equal(["2027-01-10", "2027-03-10", "2027-06-10", "2027-12-10"], plan.Select(f => (string?)f!["dueOn"]));
        Assert.Equal([false, false, false, true], plan.Select(f => (bool)f!["isFinal"]!));
        Assert.Equal("FinalFollowUpMissing", await UnmetAsync(world.Physician, id, "Closed"));
        using var designerRecords = await world.Designer.PostAsJsonAsync($"/api/orders/{id}/follow-ups/{plan[0]!["id"]}", new { performedOn = "2027-01-11", outcome = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, designerRecords.StatusCode);
        using var first = await world.Physician.PostAsJsonAsync($"/api/orders/{id}/follow-ups/{plan[0]!["id"]}", new
        {
            performedOn = "2027-01-11", outcome = "wound healed", imaging = "CT: plate in place", complications = "none", feedback = "FitIssue", feedbackNotes = "temporal edge 1 mm proud",
        });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("FinalFollowUpMissing", await UnmetAsync(world.Physician, id, "Closed"));
        (await world.Physician.PostAsJsonAsync($"/api/orders/{id}/follow-ups/{plan[3]!["id"]}", new { performedOn = "2027-12-12", outcome = "stable", feedback = "None" }))
            .EnsureSuccessStatusCode();

        // The fit issue reaches the designer and the registrant as a structured record.
        var feedback = JsonNode.Parse(await world.Designer.GetStringAsync(new Uri("/api/trace/feedback", UriKind.Relative)))!.AsArray();
        Assert.Equal("FitIssue", (string?)feedback.Single()!["feedback"]);
        Assert.Equal((string?)device["elementString"], (string?)feedback.Single()!["elementString"]);
        Assert.Single(JsonNode.Parse(await world.Regulatory.GetStringAsync(new Uri("/api/trace/feedback", UriKind.Relative)))!.AsArray());
        Assert.Empty(JsonNode.Parse(await world.OtherHospital.GetStringAsync(new Uri("/api/trace/feedback", UriKind.Relative)))!.AsArray());
        await ProductionFlow.MoveAsync(world.Physician, id, "Closed");

        await using var scope = world.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        Assert.Equal(5, await db.AuditEntries.CountAsync(e => e.Action == AuditAction.DeviceScanRefused && e.Outcome == AuditOutcome.Denied));
        Assert.Equal((string?)device["encoded"], (await db.SurgicalUses.AsNoTracking().SingleAsync()).ScannedCode);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-TRACE-2")]
    [Trait("TestPlan", "AZ-04")]
    public async Task DamagedDelivery_IsNotAccepted_UnusedDeviceClosesWithAReason(DatabaseKind kind)
    {
        await using var world = await ProductionWorld.CreateAsync(kind);
        var id = await ProductionFlow.OrderInManufacturingAsync(world);
        await ProductionFlow.ReleasedAsync(world, id, await ProductionFlow.FactoryRecordsAsync(world.Operator));
        (await world.Operator.PostAsJsonAsync($"/api/orders/{id}/delivery/shipment", new { carrier = "EMS", trackingNumber = "E1", sentAt = "2026-12-01T08:00:00Z" })).EnsureSuccessStatusCode();
        (await world.Physician.PostAsJsonAsync($"/api/orders/{id}/delivery/receipt", new { condition = "Damaged", packageIntact = false, notes = "seal torn" })).EnsureSuccessStatusCode();

        Assert.Equal("DeliveryDamaged", await UnmetAsync(world.Physician, id, "Delivered"));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-TRACE-2")]
    public async Task DeviceNotUsed_NoFollowUps_ClosesOnlyWithAReason(DatabaseKind kind)
    {
        await using var world = await ProductionWorld.CreateAsync(kind);
        var id = await ProductionFlow.OrderInManufacturingAsync(world);
        var device = await ProductionFlow.ReleasedAsync(world, id, await ProductionFlow.FactoryRecordsAsync(world.Operator));
        await DeliverAsync(world, id);
        (await world.Physician.PostAsJsonAsync($"/api/orders/{id}/surgical-use", new
        {
            surgeryDate = "2026-12-10", surgeon = "李主任", deviceCode = (string)device["serialNumber"]!, fit = "NotUsed", fitNotes = "defect smaller than planned; mesh used",
        })).EnsureSuccessStatusCode();
        await ProductionFlow.MoveAsync(world.Physician, id, "Used");
        await ProductionFlow.MoveAsync(world.Physician, id, "FollowUp");

        Assert.Empty(JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders/{id}/follow-ups", UriKind.Relative)))!["followUps"]!.AsArray());
        Assert.Equal("FinalFollowUpMissing", await UnmetAsync(world.Physician, id, "Closed"));
        (await world.Physician.PutAsJsonAsync($"/api/orders/{id}/follow-ups/closure", new { reason = "device not implanted" })).EnsureSuccessStatusCode();
        await ProductionFlow.MoveAsync(world.Physician, id, "Closed");
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-TRACE-3")]
    [Trait("TestPlan", "AZ-02")]
    public async Task Trace_DeviceHistory_Recall_Patient_EachAuditedAndBoundToParticipants(DatabaseKind kind)
    {
        await using var world = await ProductionWorld.CreateAsync(kind);
        var records = await ProductionFlow.FactoryRecordsAsync(world.Operator);
        var first = await ProductionFlow.OrderInManufacturingAsync(world);
        var device = await ProductionFlow.ReleasedAsync(world, first, records);
        var second = await ProductionFlow.OrderInManufacturingAsync(world);
        await ProductionFlow.RecordAsync(world.Operator, second, ProductionFlow.Step("Printing", records));
        var otherLot = await ProductionFlow.FactoryRecordsAsync(world.Operator, lot: "TI-2026-0999", cycle: "ST-2");
        await DeliverAsync(world, first);

        // Device → history, from the label's code in either form; the audit entries come with it.
        var history = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/trace/devices?code={Uri.EscapeDataString((string)device["encoded"]!)}", UriKind.Relative)))!;
        Assert.Equal((string?)device["elementString"], (string?)history["device"]!["elementString"]);
        Assert.Equal("Delivered", (string?)history["order"]!["state"]);
        Assert.Equal("custom plate, 2 mm rim", (string?)history["requirements"]![0]!["clinicalRequirement"]);
        Assert.NotNull(history["datasets"]![0]!["confirmedAt"]);
        Assert.Equal(4, (int)history["datasets"]![0]!["instances"]!);
        var printing = history["steps"]!.AsArray().Single(s => (string?)s!["step"]!["kind"] == "Printing")!;
        Assert.Equal("TI-2026-0412", (string?)printing["materialLot"]);
        Assert.Equal("SN-TI-2026-0412", (string?)printing["machineSerial"]);
        Assert.Equal("Pass", (string?)history["steps"]!.AsArray().Single(s => (string?)s!["step"]!["kind"] == "Sterilization")!["indicator"]);
        Assert.Equal("SF1234567890", (string?)history["delivery"]!["trackingNumber"]);
        var actions = history["audit"]!.AsArray().Select(a => (string?)a!["action"]).ToList();
        Assert.Contains("DeviceIdentifierAssigned", actions);
        Assert.Contains("DataUploaded", actions);
        Assert.Contains("approve-design", history["transitions"]!.AsArray().Select(t => (string?)t!["name"]));

        // The design behind the device: the version, the physician's signed approval, the package the factory processed.
        var design = history["design"]!.AsArray();
        Assert.Equal(["DesignVersion", "DesignSignature", "ProductionPackage"], design.Select(d => (string?)d!["kind"]));
        Assert.Equal("ApproveForManufacture", (string?)design[1]!["meaning"]);
        Assert.Equal((string?)history["package"]!["sha256"], (string?)design[2]!["sha256"]);
        var byText = JsonNode.Parse(await world.Inspector.GetStringAsync(new Uri($"/api/trace/devices?code={Uri.EscapeDataString((string)device["elementString"]!)}", UriKind.Relative)))!;
        Assert.Equal((string?)device["id"], (string?)byText["device"]!["id"]);

        // The device's report, a PDF a regulator reads on its own.
        var report = await world.Regulatory.GetByteArrayAsync(new Uri($"/api/trace/devices/report.pdf?code={Uri.EscapeDataString((string)device["serialNumber"]!)}", UriKind.Relative));
        Assert.Equal("%PDF"u8.ToArray(), report[..4]);

        // Non-participants learn nothing, not even that the device exists; a designer is not given the records.
        using var outsider = await world.OtherHospital.GetAsync(new Uri($"/api/trace/devices?code={Uri.EscapeDataString((string)device["encoded"]!)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, outsider.StatusCode);
        using var unknown = await world.Physician.GetAsync(new Uri("/api/trace/devices?code=(01)06901234000016(21)TB-1999-000009", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var designer = await world.Designer.GetAsync(new Uri($"/api/trace/devices?code={Uri.EscapeDataString((string)device["encoded"]!)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, designer.StatusCode);

        // Lot → every device, order and institution: the released one and the one still in production; another lot has none.
        var recall = JsonNode.Parse(await world.Operator.GetStringAsync(new Uri($"/api/trace/recall?materialLotId={records.LotId}", UriKind.Relative)))!;
        var orders = recall["devices"]!.AsArray();
        Assert.Equal(2, orders.Count);
        Assert.Equal([(string?)device["elementString"], null], orders.Select(o => (string?)o!["elementString"]));
        Assert.All(orders, o => Assert.Equal("Hospital A", (string?)o!["institution"]));
        Assert.Empty(JsonNode.Parse(await world.Operator.GetStringAsync(new Uri($"/api/trace/recall?materialLotId={otherLot.LotId}", UriKind.Relative)))!["devices"]!.AsArray());
        Assert.Equal(2, JsonNode.Parse(await world.Operator.GetStringAsync(new Uri($"/api/trace/recall?machineId={records.MachineId}", UriKind.Relative)))!["devices"]!.AsArray().Count);
        Assert.Single(JsonNode.Parse(await world.Inspector.GetStringAsync(new Uri($"/api/trace/recall?sterilizationBatchId={records.BatchId}", UriKind.Relative)))!["devices"]!.AsArray());
        var csv = await world.Operator.GetStringAsync(new Uri($"/api/trace/recall?materialLotId={records.LotId}&format=csv", UriKind.Relative));
        var lines = csv.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("order,state,category,institution,udi,serial,lot,released_at", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Contains((string)device["elementString"]!, lines[1], StringComparison.Ordinal);
        var recallPdf = await world.Operator.GetByteArrayAsync(new Uri($"/api/trace/recall?sterilizationBatchId={records.BatchId}&format=pdf", UriKind.Relative));
        Assert.Equal("%PDF"u8.ToArray(), recallPdf[..4]);
        using var foreignRecall = await world.OtherPlant.GetAsync(new Uri($"/api/trace/recall?materialLotId={records.LotId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, foreignRecall.StatusCode);
        using var twoKeys = await world.Operator.GetAsync(new Uri($"/api/trace/recall?materialLotId={records.LotId}&machineId={records.MachineId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, twoKeys.StatusCode);

        // Patient → devices, for the institution only.
        var pseudonym = (string)JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders/{first}", UriKind.Relative)))!["pseudonym"]!;
        var devices = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/trace/patients/{pseudonym}/devices", UriKind.Relative)))!.AsArray();
        Assert.Equal((string?)device["elementString"], (string?)devices.Single()!["elementString"]);
        foreach (var other in new[] { world.OtherHospital, world.Operator, world.Regulatory })
        {
            using var refused = await other.GetAsync(new Uri($"/api/trace/patients/{pseudonym}/devices", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }

        await using var scope = world.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        Assert.Equal(2, await db.AuditEntries.CountAsync(e => e.Action == AuditAction.TraceQueried && e.TargetType == "device-history"));
        Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.Action == AuditAction.TraceExported && e.TargetType == "device-report"));
        Assert.Equal(2, await db.AuditEntries.CountAsync(e => e.Action == AuditAction.TraceExported && e.TargetType!.StartsWith("recall-")));
        Assert.True(await db.AuditEntries.AnyAsync(e => e.Action == AuditAction.TraceQueried && e.TargetType == "patient-devices"));
    }

    private static async Task DeliverAsync(ProductionWorld world, string id)
    {
        (await world.Operator.PostAsJsonAsync($"/api/orders/{id}/delivery/shipment", new { carrier = "SF Express", trackingNumber = "SF1234567890", sentAt = "2026-12-01T08:00:00Z" }))
            .EnsureSuccessStatusCode();
        (await world.Physician.PostAsJsonAsync($"/api/orders/{id}/delivery/receipt", new { condition = "Good", packageIntact = true })).EnsureSuccessStatusCode();
        await ProductionFlow.MoveAsync(world.Physician, id, "Delivered");
    }

    /// <summary>The one unmet guard code a refused move answers with.</summary>
    private static async Task<string?> UnmetAsync(HttpClient client, string id, string to)
    {
        using var response = await client.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to });
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"{to}: {(int)response.StatusCode} {body}");
        return (string?)body["unmet"]!.AsArray().Single();
    }
}
