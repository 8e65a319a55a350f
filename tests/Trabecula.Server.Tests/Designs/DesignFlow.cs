using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Designs;

/// <summary>
/// A hospital (two physicians with licence numbers and authenticators), a design house, a factory
/// (operator and inspector) and a registrant on one fake clock, each signed in. Tests of later
/// stages (production) start here and use <see cref="DesignFlow.ApproveAndReleaseAsync"/> to reach
/// a released package.
/// </summary>
internal sealed class DesignWorld : IAsyncDisposable
{
    public const string PhysicianName = "dr.li";
    public const string SecondPhysicianName = "dr.wang";

    public required TrabeculaFactory Factory { get; init; }

    public required FakeTimeProvider Time { get; init; }

    public required Organization Hospital { get; init; }

    public required Organization DesignHouse { get; init; }

    public required Organization Plant { get; init; }

    public required HttpClient Physician { get; set; }

    public required HttpClient SecondPhysician { get; set; }

    public required HttpClient Designer { get; set; }

    public required HttpClient Operator { get; set; }

    public required HttpClient Inspector { get; set; }

    /// <summary>Signs everyone in again (after the clock moved past the session limits).</summary>
    public async Task SignInAgainAsync()
    {
        foreach (var client in new[] { Physician, SecondPhysician, Designer, Operator, Inspector })
        {
            client.Dispose();
        }

        Time.Advance(TimeSpan.FromSeconds(31));
        Physician = await MfaHelper.SignedInWithMfaAsync(Factory, PhysicianName);
        SecondPhysician = await MfaHelper.SignedInWithMfaAsync(Factory, SecondPhysicianName);
        Designer = await TestAccounts.SignedInAsync(Factory, "designer");
        Operator = await TestAccounts.SignedInAsync(Factory, "operator");
        Inspector = await TestAccounts.SignedInAsync(Factory, "inspector");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in new[] { Physician, SecondPhysician, Designer, Operator, Inspector })
        {
            client.Dispose();
        }

        await Factory.DisposeAsync();
    }
}

/// <summary>The design stage through the API, step by step or in one call.</summary>
internal static class DesignFlow
{
    /// <summary>The world on a fake clock (default 2026-11-22 08:00 UTC), with extra settings if given.</summary>
    public static async Task<DesignWorld> CreateWorldAsync(DatabaseKind kind, DateTimeOffset? start = null, IDictionary<string, string?>? settings = null)
    {
        var time = start is { } s ? new FakeTimeProvider(s) : new FakeTimeProvider();
        var factory = await TrabeculaFactory.CreateAsync(kind, time, settings);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        var design = await TestAccounts.OrganizationAsync(factory, "Design House", PartyTypes.Designer);
        var plant = await TestAccounts.OrganizationAsync(factory, "Factory", PartyTypes.Manufacturer);
        foreach (var (name, licence) in new[] { (DesignWorld.PhysicianName, "110110000012345"), (DesignWorld.SecondPhysicianName, "110110000067890") })
        {
            await TestAccounts.UserAsync(factory, name, Roles.Physician, organization: hospital);
            using var scope = factory.Services.CreateScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<TrabeculaUser>>();
            var user = (await users.FindByNameAsync(name))!;
            user.PractitionerLicenceNumber = licence;
            await users.UpdateAsync(user);
            await MfaHelper.EnrolAsync(factory, name);
        }

        await TestAccounts.UserAsync(factory, "designer", Roles.Designer, organization: design);
        await TestAccounts.UserAsync(factory, "operator", Roles.ProductionOperator, organization: plant);
        await TestAccounts.UserAsync(factory, "inspector", Roles.QualityInspector, organization: plant);
        return new DesignWorld
        {
            Factory = factory,
            Time = time,
            Hospital = hospital,
            DesignHouse = design,
            Plant = plant,
            Physician = await MfaHelper.SignedInWithMfaAsync(factory, DesignWorld.PhysicianName),
            SecondPhysician = await MfaHelper.SignedInWithMfaAsync(factory, DesignWorld.SecondPhysicianName),
            Designer = await TestAccounts.SignedInAsync(factory, "designer"),
            Operator = await TestAccounts.SignedInAsync(factory, "operator"),
            Inspector = await TestAccounts.SignedInAsync(factory, "inspector"),
        };
    }

    /// <summary>
    /// An order in Designing: opened by the physician, CT confirmed, requirements confirmed, the
    /// design house and factory assigned, started by the designer. "Other" has no acquisition
    /// profile, so the 2024 sample series never expires for it.
    /// </summary>
    public static async Task<string> OrderInDesigningAsync(DesignWorld world, string deviceCategory = "Other")
    {
        ArgumentNullException.ThrowIfNull(world);
        using var created = await world.Physician.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = "患者甲" },
            requirement = new { deviceCategory, clinicalRequirement = "cranial plate, left parietal" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        await MoveAsync(world.Physician, id, "DataCollected");
        (await world.Physician.PostAsJsonAsync($"/api/orders/{id}/confirmations", new { artifactType = "requirements", version = 1 })).Dispose();
        await DicomSamples.UploadAndConfirmAsync(world.Physician, id);
        await MoveAsync(world.Physician, id, "DataConfirmed");
        using var assigned = await world.Physician.PutAsJsonAsync($"/api/orders/{id}/participants", new { designerId = world.DesignHouse.Id, manufacturerId = world.Plant.Id });
        Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);
        await MoveAsync(world.Designer, id, "Designing");
        return id;
    }

    /// <summary>Posts a version (multipart); returns the response for the caller to check.</summary>
    public static async Task<HttpResponseMessage> PostVersionAsync(HttpClient designer, string orderId, byte[] model, string modelName = "plate.stl", byte[]? report = null, string notes = "")
    {
        ArgumentNullException.ThrowIfNull(designer);
        using var form = new MultipartFormDataContent();
        var modelPart = new ByteArrayContent(model);
        modelPart.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(modelPart, "models", modelName);
        if (report is not null)
        {
            var reportPart = new ByteArrayContent(report);
            reportPart.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            form.Add(reportPart, "report", "design-report.pdf");
        }

        form.Add(new StringContent(notes), "notes");
        return await designer.PostAsync(new Uri($"/api/orders/{orderId}/designs", UriKind.Relative), form);
    }

    /// <summary>Uploads a version that must be accepted; returns its JSON (id, number, files).</summary>
    public static async Task<JsonNode> UploadVersionAsync(HttpClient designer, string orderId, byte[] model, byte[]? report = null, string notes = "v")
    {
        using var response = await PostVersionAsync(designer, orderId, model, report: report, notes: notes);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonNode.Parse(body)!;
    }

    public static async Task SubmitAsync(HttpClient designer, string orderId, string versionId)
    {
        ArgumentNullException.ThrowIfNull(designer);
        using var response = await designer.PostAsync(new Uri($"/api/orders/{orderId}/designs/{versionId}/submit", UriKind.Relative), null);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The physician's signature with their own password and the authenticator's next code (the clock moves on 31 s first).</summary>
    public static Task<HttpResponseMessage> SignAsync(DesignWorld world, HttpClient physician, string userName, string orderId, string meaning, string? reason = null, string? password = null, string? totp = null)
    {
        ArgumentNullException.ThrowIfNull(world);
        ArgumentNullException.ThrowIfNull(physician);
        world.Time.Advance(TimeSpan.FromSeconds(31));
        return physician.PostAsJsonAsync($"/api/orders/{orderId}/design/signatures", new
        {
            meaning,
            reason,
            password = password ?? TestAccounts.Password,
            totpCode = totp ?? MfaHelper.NextCode(world.Factory, userName),
        });
    }

    /// <summary>The whole walk: upload the plate (and report), submit, the physician approves by signature, the designer releases. Returns the package JSON.</summary>
    public static async Task<JsonNode> ApproveAndReleaseAsync(DesignWorld world, string orderId, byte[]? model = null)
    {
        ArgumentNullException.ThrowIfNull(world);
        var version = await UploadVersionAsync(world.Designer, orderId, model ?? await DesignSamples.PlateBytesAsync(), await DesignSamples.ReportPdfAsync());
        await SubmitAsync(world.Designer, orderId, (string)version["id"]!);
        using (var signed = await SignAsync(world, world.Physician, DesignWorld.PhysicianName, orderId, "approve for manufacture"))
        {
            Assert.True(signed.StatusCode == HttpStatusCode.OK, await signed.Content.ReadAsStringAsync());
        }

        using var released = await world.Designer.PostAsync(new Uri($"/api/orders/{orderId}/design/release", UriKind.Relative), null);
        var body = await released.Content.ReadAsStringAsync();
        Assert.True(released.StatusCode == HttpStatusCode.OK, body);
        return JsonNode.Parse(body)!;
    }

    public static async Task<JsonNode> OverviewAsync(HttpClient client, string orderId) =>
        JsonNode.Parse(await client.GetStringAsync(new Uri($"/api/orders/{orderId}/design", UriKind.Relative)))!;

    public static async Task<JsonNode> MoveAsync(HttpClient client, string orderId, string to)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var moved = await client.PostAsJsonAsync($"/api/orders/{orderId}/transitions", new { to });
        var body = await moved.Content.ReadAsStringAsync();
        Assert.True(moved.StatusCode == HttpStatusCode.OK, $"→ {to}: {body}");
        return JsonNode.Parse(body)!;
    }
}
