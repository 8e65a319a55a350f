using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Designs;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Production;

/// <summary>The master records one factory prints a device with.</summary>
internal sealed record FactoryRecords(string MaterialId, string LotId, string MachineId, string BatchId);

/// <summary>
/// Every party of T/CAMDI 028 clause 4 with signed-in people: a hospital (and another one), a
/// design house, a factory (and another one), a registrant.
/// </summary>
internal sealed class ProductionWorld : IAsyncDisposable
{
    public const string DeviceName = "定制式颅骨修复板";

    public required TrabeculaFactory Factory { get; init; }

    public required RunningClock Time { get; init; }

    public required Organization Hospital { get; init; }

    public required Organization DesignHouse { get; init; }

    public required Organization Plant { get; init; }

    public required Organization Registrant { get; init; }

    public required HttpClient Physician { get; init; }

    public required HttpClient OtherHospital { get; init; }

    public required HttpClient Designer { get; init; }

    public required HttpClient Operator { get; init; }

    public required HttpClient Inspector { get; init; }

    public required HttpClient OtherPlant { get; init; }

    public required HttpClient Regulatory { get; init; }

    public static async Task<ProductionWorld> CreateAsync(DatabaseKind kind, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? extraServices = null)
    {
        // The real clock, movable: the physician's authenticator codes run out within one 30 s
        // window when a test signs in and signs quickly, so the flow moves it on before signing.
        var time = new RunningClock();
        var factory = await TrabeculaFactory.CreateAsync(kind, time, settings: new Dictionary<string, string?>
        {
            ["Production:Categories:CranialPlate:DeviceName"] = DeviceName,
            ["Production:Categories:CranialPlate:Gtin"] = "06901234000016",
            ["Production:Categories:CranialPlate:ShelfLifeMonths"] = "36",
            // The sample CT series is from 2024: long enough a validity that it has not expired
            // before the design is approved (expired data blocks approval; the designs tests cover that).
            ["PatientData:Profiles:CranialPlate:MaxAgeDays"] = "3650",
        });
        factory.ExtraServices = extraServices;
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        var other = await TestAccounts.OrganizationAsync(factory, "Hospital B", PartyTypes.MedicalInstitution);
        var design = await TestAccounts.OrganizationAsync(factory, "Design House", PartyTypes.Designer);
        var plant = await TestAccounts.OrganizationAsync(factory, "示范增材制造工厂", PartyTypes.Manufacturer);
        var otherPlant = await TestAccounts.OrganizationAsync(factory, "Other Factory", PartyTypes.Manufacturer);
        var registrant = await TestAccounts.OrganizationAsync(factory, "示范器械注册人", PartyTypes.MarketingAuthorizationHolder);
        await TestAccounts.UserAsync(factory, "dr.li", Roles.Physician, organization: hospital);
        await TestAccounts.UserAsync(factory, "dr.other", Roles.Physician, organization: other);
        await TestAccounts.UserAsync(factory, "designer", Roles.Designer, organization: design);
        await TestAccounts.UserAsync(factory, "operator", Roles.ProductionOperator, organization: plant);
        await TestAccounts.UserAsync(factory, "inspector", Roles.QualityInspector, organization: plant);
        await TestAccounts.UserAsync(factory, "operator.b", Roles.ProductionOperator, organization: otherPlant);
        await TestAccounts.UserAsync(factory, "regulatory", Roles.RegulatoryOfficer, organization: registrant);
        using (var scope = factory.Services.CreateScope())
        {
            // The physician signs the design approval with their practising licence (R-DES-1).
            var users = scope.ServiceProvider.GetRequiredService<UserManager<TrabeculaUser>>();
            var physician = (await users.FindByNameAsync("dr.li"))!;
            physician.PractitionerLicenceNumber = "110110000012345";
            await users.UpdateAsync(physician);
        }

        await MfaHelper.EnrolAsync(factory, "dr.li");
        await MfaHelper.EnrolAsync(factory, "dr.other");
        return new ProductionWorld
        {
            Factory = factory,
            Time = time,
            Hospital = hospital,
            DesignHouse = design,
            Plant = plant,
            Registrant = registrant,
            Physician = await MfaHelper.SignedInWithMfaAsync(factory, "dr.li"),
            OtherHospital = await MfaHelper.SignedInWithMfaAsync(factory, "dr.other"),
            Designer = await TestAccounts.SignedInAsync(factory, "designer"),
            Operator = await TestAccounts.SignedInAsync(factory, "operator"),
            Inspector = await TestAccounts.SignedInAsync(factory, "inspector"),
            OtherPlant = await TestAccounts.SignedInAsync(factory, "operator.b"),
            Regulatory = await TestAccounts.SignedInAsync(factory, "regulatory"),
        };
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in new[] { Physician, OtherHospital, Designer, Operator, Inspector, OtherPlant, Regulatory })
        {
            client.Dispose();
        }

        await Factory.DisposeAsync();
    }
}

/// <summary>
/// The one way production tests reach an order in Manufacturing, walking the lifecycle through
/// the API as the parties would: the designer uploads the plate and submits it, the physician
/// signs the approval with password and TOTP, the designer releases the package, and only then
/// can the factory start (the designs feature guards start-manufacturing).
/// </summary>
internal static class ProductionFlow
{
    public static async Task<string> OrderInManufacturingAsync(ProductionWorld world)
    {
        ArgumentNullException.ThrowIfNull(world);
        using var created = await world.Physician.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = "张三", sex = "M", birthDate = "1980-03-07", hospitalRecordNumber = "ZY0012345" },
            requirement = new { deviceCategory = "CranialPlate", anatomicalSite = "left parietal", clinicalRequirement = "custom plate, 2 mm rim", urgency = "Routine" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        await MoveAsync(world.Physician, id, "DataCollected");
        (await world.Physician.PostAsJsonAsync($"/api/orders/{id}/confirmations", new { artifactType = "requirements", version = 1 })).EnsureSuccessStatusCode();
        await DicomSamples.UploadAndConfirmAsync(world.Physician, id);
        await MoveAsync(world.Physician, id, "DataConfirmed");
        (await world.Physician.PutAsJsonAsync($"/api/orders/{id}/participants", new
        {
            designerId = world.DesignHouse.Id, manufacturerId = world.Plant.Id, registrantId = world.Registrant.Id,
        })).EnsureSuccessStatusCode();
        await MoveAsync(world.Designer, id, "Designing");
        var version = await DesignFlow.UploadVersionAsync(world.Designer, id, await DesignSamples.PlateBytesAsync(), await DesignSamples.ReportPdfAsync());
        await DesignFlow.SubmitAsync(world.Designer, id, (string)version["id"]!);
        world.Time.Advance(TimeSpan.FromSeconds(31)); // a fresh authenticator code for the signature
        using (var signed = await world.Physician.PostAsJsonAsync($"/api/orders/{id}/design/signatures", new
        {
            meaning = "approve for manufacture",
            password = TestAccounts.Password,
            totpCode = MfaHelper.NextCode(world.Factory, "dr.li"),
        }))
        {
            Assert.True(signed.StatusCode == HttpStatusCode.OK, await signed.Content.ReadAsStringAsync());
        }

        using (var released = await world.Designer.PostAsync(new Uri($"/api/orders/{id}/design/release", UriKind.Relative), null))
        {
            Assert.True(released.StatusCode == HttpStatusCode.OK, await released.Content.ReadAsStringAsync());
        }

        await MoveAsync(world.Operator, id, "Manufacturing");
        return id;
    }

    /// <summary>A material with a lot, an LPBF printer and a steam cycle whose indicator passed.</summary>
    public static async Task<FactoryRecords> FactoryRecordsAsync(HttpClient factoryUser, string lot = "TI-2026-0412", string cycle = "ST-2026-1201-01", string indicator = "Pass")
    {
        var material = await CreatedIdAsync(factoryUser, "/api/production/materials", new { name = "Ti-6Al-4V ELI 粉末 " + lot, specification = "ASTM F3001 Grade 23", supplier = "Powder Co." });
        var lotId = await CreatedIdAsync(factoryUser, "/api/production/lots", new { materialId = material, lotNumber = lot, certificateNumber = "COA-" + lot, receivedOn = "2026-10-01", expiresOn = "2028-10-01" });
        var machine = await CreatedIdAsync(factoryUser, "/api/production/machines", new { name = "EOS M 290 #" + lot, model = "M 290", serialNumber = "SN-" + lot, process = "LPBF" });
        var batch = await CreatedIdAsync(factoryUser, "/api/production/sterilization-batches", new
        {
            method = "Steam", cycleId = cycle, sterilizer = "Getinge GSS67", parameters = "134 °C, 4 min, 2.1 bar", indicatorResult = indicator,
            startedAt = "2026-12-01T01:00:00Z", endedAt = "2026-12-01T02:00:00Z",
        });
        return new FactoryRecords(material, lotId, machine, batch);
    }

    /// <summary>The fields the default route asks of each kind, with the given master records.</summary>
    public static object Step(string kind, FactoryRecords records, string result = "Pass") => kind switch
    {
        "DataProcessing" => new
        {
            kind, result, startedAt = "2026-12-01T00:10:00Z", endedAt = "2026-12-01T00:40:00Z", equipment = "Workstation WS-3",
            parameters = new Dictionary<string, string>
            {
                ["packageSha256"] = ReleasedPackageOfTheOrder, ["software"] = "Materialise Magics", ["softwareVersion"] = "27.0", ["buildPreparation"] = "supports 45°, slices 30 µm",
            },
        },
        "Printing" => new
        {
            kind, result, startedAt = "2026-12-01T00:50:00Z", endedAt = "2026-12-01T00:55:00Z", machineId = records.MachineId, materialLotId = records.LotId,
            parameters = new Dictionary<string, string>
            {
                ["buildJobId"] = "BJ-0412", ["layerThicknessUm"] = "30", ["powderReuseCount"] = "3", ["platePosition"] = "A2", ["laserPowerW"] = "280",
            },
        },
        "PostProcessing" => Simple(kind, result, "operations", "support removal; HIP 920 °C 2 h; polishing"),
        "Cleaning" => Simple(kind, result, "method", "ultrasonic, neutral detergent"),
        "Disinfection" => Simple(kind, result, "agent", "75% ethanol"),
        "Sterilization" => new
        {
            kind, result, startedAt = "2026-12-01T01:00:00Z", endedAt = "2026-12-01T02:00:00Z", sterilizationBatchId = records.BatchId, equipment = "Getinge GSS67",
            parameters = new Dictionary<string, string>(),
        },
        "Inspection" => new
        {
            kind, result, startedAt = "2026-12-01T02:10:00Z", endedAt = "2026-12-01T02:30:00Z", equipment = "CMM Zeiss Contura",
            parameters = new Dictionary<string, string> { ["dimensional"] = "within ±0.1 mm of design", ["visual"] = "no defects", ["measurements"] = "rim 2.02 mm; holes 12/12" },
        },
        "QcRelease" => new { kind, result, startedAt = "2026-12-01T02:40:00Z", endedAt = "2026-12-01T02:45:00Z", parameters = new Dictionary<string, string>() },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Records every step of the default route before QC release, with the inspector's sign-offs where it asks for them.</summary>
    public static Task RecordRouteAsync(ProductionWorld world, string id, FactoryRecords records)
    {
        ArgumentNullException.ThrowIfNull(world);
        return RecordRouteAsync(world.Operator, world.Inspector, id, records);
    }

    public static async Task RecordRouteAsync(HttpClient productionOperator, HttpClient inspector, string id, FactoryRecords records)
    {
        ArgumentNullException.ThrowIfNull(inspector);
        foreach (var kind in new[] { "DataProcessing", "Printing", "PostProcessing", "Cleaning", "Disinfection", "Sterilization", "Inspection" })
        {
            var step = await RecordAsync(productionOperator, id, Step(kind, records));
            if (kind is "Sterilization" or "Inspection")
            {
                using var signed = await inspector.PostAsJsonAsync($"/api/orders/{id}/production/steps/{step}/sign-off", new { approve = true, note = "reviewed" });
                Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
            }
        }
    }

    /// <summary>The factory ships the released device, the hospital receives it intact; returns the device identifier.</summary>
    public static async Task<JsonNode> ShipAndReceiveAsync(HttpClient productionOperator, HttpClient physician, string id)
    {
        ArgumentNullException.ThrowIfNull(productionOperator);
        ArgumentNullException.ThrowIfNull(physician);
        (await productionOperator.PostAsJsonAsync($"/api/orders/{id}/delivery/shipment", new { carrier = "SF Express", trackingNumber = "SF1234567890", sentAt = "2026-12-01T08:00:00Z" }))
            .EnsureSuccessStatusCode();
        (await physician.PostAsJsonAsync($"/api/orders/{id}/delivery/receipt", new { condition = "Good", packageIntact = true })).EnsureSuccessStatusCode();
        return JsonNode.Parse(await productionOperator.GetStringAsync(new Uri($"/api/orders/{id}/production", UriKind.Relative)))!["device"]!;
    }

    /// <summary>Surgery with the device's code as scanned from its label (the follow-ups are scheduled then).</summary>
    public static async Task UseAndFollowUpAsync(HttpClient physician, string id, JsonNode device)
    {
        ArgumentNullException.ThrowIfNull(physician);
        ArgumentNullException.ThrowIfNull(device);
        using var used = await physician.PostAsJsonAsync($"/api/orders/{id}/surgical-use", new { surgeryDate = "2026-12-10", surgeon = "李主任", deviceCode = (string)device["encoded"]!, fit = "Fits" });
        Assert.True(used.StatusCode == HttpStatusCode.Created, await used.Content.ReadAsStringAsync());
    }

    /// <summary>Records the final follow-up, which closing waits for.</summary>
    public static async Task RecordFinalFollowUpAsync(HttpClient physician, string id)
    {
        ArgumentNullException.ThrowIfNull(physician);
        var plan = JsonNode.Parse(await physician.GetStringAsync(new Uri($"/api/orders/{id}/follow-ups", UriKind.Relative)))!["followUps"]!.AsArray();
        (await physician.PostAsJsonAsync($"/api/orders/{id}/follow-ups/{plan[^1]!["id"]}", new { performedOn = "2027-12-12", outcome = "stable", feedback = "None" }))
            .EnsureSuccessStatusCode();
    }

    /// <summary>The route recorded, QC release by the inspector, and the move to Released; returns the device identifier.</summary>
    public static async Task<JsonNode> ReleasedAsync(ProductionWorld world, string id, FactoryRecords records)
    {
        ArgumentNullException.ThrowIfNull(world);
        await RecordRouteAsync(world, id, records);
        await RecordAsync(world.Inspector, id, Step("QcRelease", records));
        await MoveAsync(world.Inspector, id, "Released");
        return JsonNode.Parse(await world.Inspector.GetStringAsync(new Uri($"/api/orders/{id}/production", UriKind.Relative)))!["device"]!;
    }

    /// <summary>
    /// Stands for the SHA-256 of the package released on the order in <see cref="Step"/>:
    /// <see cref="RecordAsync"/> puts the real hash in its place, read from the production view as
    /// the factory's software would read it from the package it processes.
    /// </summary>
    public const string ReleasedPackageOfTheOrder = "(the released package of the order)";

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    public static async Task<string> RecordAsync(HttpClient client, string id, object step)
    {
        ArgumentNullException.ThrowIfNull(client);
        var body0 = JsonSerializer.SerializeToNode(step, WebJson)!;
        if ((string?)body0["parameters"]?["packageSha256"] == ReleasedPackageOfTheOrder)
        {
            var view = JsonNode.Parse(await client.GetStringAsync(new Uri($"/api/orders/{id}/production", UriKind.Relative)))!;
            body0["parameters"]!["packageSha256"] = (string)view["package"]!["sha256"]!;
        }

        using var response = await client.PostAsJsonAsync($"/api/orders/{id}/production/steps", body0);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        return (string)JsonNode.Parse(body)!["id"]!;
    }

    public static async Task<JsonNode> MoveAsync(HttpClient client, string id, string to)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{to}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    public static async Task<string> CreatedIdAsync(HttpClient client, string path, object body)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{path}: {(int)response.StatusCode} {text}");
        return (string)JsonNode.Parse(text)!["id"]!;
    }

    private static object Simple(string kind, string result, string field, string value) => new
    {
        kind, result, startedAt = "2026-12-01T01:00:00Z", endedAt = "2026-12-01T01:30:00Z", equipment = "bench",
        parameters = new Dictionary<string, string> { [field] = value },
    };
}
