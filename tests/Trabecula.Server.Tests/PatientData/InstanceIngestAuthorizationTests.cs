using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Accounts;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.PatientData;

/// <summary>
/// POST .../instances reads the order, the dataset and the access facts in one query per request
/// and writes the file's rows with the access decision and the upload's audit entry in one commit.
/// These tests hold it to the rules that shortcut must not bend: a stage move, a matrix edit and a
/// participant change apply to the very next file, and every file leaves both entries in an
/// intact chain.
/// </summary>
public sealed class InstanceIngestAuthorizationTests
{
    public static TheoryData<DatabaseKind> Databases => new() { DatabaseKind.Sqlite, DatabaseKind.PostgreSql };

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-XFER-2")]
    [Trait("Requirement", "R-DATA-1")]
    [Trait("TestPlan", "AZ-04")]
    public async Task AStageMoveAndAMatrixEdit_ApplyToTheVeryNextFile(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        using var physician = await MfaHelper.NewUserSignedInAsync(factory, "dr.li", Roles.Physician, hospital);
        using var secadmin = await MfaHelper.NewUserSignedInAsync(factory, "secadmin", Roles.SecurityAdmin);
        var (id, instances) = await OpenAsync(physician);
        var files = await DicomSamples.SeriesAsync();

        // Uploading is allowed in DataCollected by default; take it away before the order gets there.
        await SetCellAsync(secadmin, "DataCollected", allowed: false);
        Assert.Equal(HttpStatusCode.Created, await PostAsync(physician, instances, files[0]));

        // The stage move: the next file is decided at the new stage.
        using (var moved = await physician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "DataCollected" }))
        {
            Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(physician, instances, files[1]));

        // The matrix edits: each applies to the very next file.
        await SetCellAsync(secadmin, "DataCollected", allowed: true);
        Assert.Equal(HttpStatusCode.Created, await PostAsync(physician, instances, files[1]));
        await SetCellAsync(secadmin, "DataCollected", allowed: false);
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(physician, instances, files[2]));

        // Refused files were not stored.
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        Assert.Equal(2, await db.DicomInstances.CountAsync());
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-XFER-2")]
    [Trait("TestPlan", "AZ-04")]
    public async Task AParticipantChange_AppliesToTheVeryNextRequest(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        var first = await TestAccounts.OrganizationAsync(factory, "Design House A", PartyTypes.Designer);
        var second = await TestAccounts.OrganizationAsync(factory, "Design House B", PartyTypes.Designer);
        using var physician = await MfaHelper.NewUserSignedInAsync(factory, "dr.li", Roles.Physician, hospital);
        await TestAccounts.UserAsync(factory, "designer", Roles.Designer, organization: first);
        using var designer = await TestAccounts.SignedInAsync(factory, "designer");
        var (id, instances) = await OpenAsync(physician);
        var files = await DicomSamples.SeriesAsync();
        (await physician.PutAsJsonAsync($"/api/orders/{id}/participants", new { designerId = first.Id })).Dispose();

        // A participant that may not upload: 403 (it sees the order); once replaced: 404 at once.
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(designer, instances, files[0]));
        using (var replaced = await physician.PutAsJsonAsync($"/api/orders/{id}/participants", new { designerId = second.Id }))
        {
            Assert.True(replaced.IsSuccessStatusCode, await replaced.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.NotFound, await PostAsync(designer, instances, files[0]));
        Assert.Equal(HttpStatusCode.Created, await PostAsync(physician, instances, files[0]));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-SEC-2")]
    [Trait("Requirement", "R-XFER-2")]
    [Trait("TestPlan", "AZ-04")]
    public async Task EveryStoredFile_LeavesItsAccessDecisionAndItsUploadInAnIntactChain(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        using var physician = await MfaHelper.NewUserSignedInAsync(factory, "dr.li", Roles.Physician, hospital);
        var (_, instances) = await OpenAsync(physician);
        var files = await DicomSamples.SeriesAsync();
        var allowedBefore = (await SignInTests.AuditAsync(factory, AuditAction.AccessAllowed)).Count;

        foreach (var file in files)
        {
            Assert.Equal(HttpStatusCode.Created, await PostAsync(physician, instances, file));
        }

        // The same file again (200, not stored twice) and a file that does not parse (422): decided and audited too.
        Assert.Equal(HttpStatusCode.OK, await PostAsync(physician, instances, files[0]));
        using (var bad = await physician.PostAsync(new Uri(instances, UriKind.Relative), Dicom([.. (await File.ReadAllBytesAsync(files[0]))[..300]])))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        }

        var uploads = (await SignInTests.AuditAsync(factory, AuditAction.DataUploaded)).Where(e => e.TargetType == "dicom-instance").ToList();
        var decisions = (await SignInTests.AuditAsync(factory, AuditAction.AccessAllowed)).Skip(allowedBefore).Where(e => e.TargetId!.EndsWith(":IdentifiedPatientData", StringComparison.Ordinal)).ToList();
        Assert.Equal(files.Count, uploads.Count);
        Assert.Equal(files.Count + 2, decisions.Count);
        Assert.All(decisions, d => Assert.Equal("dr.li", d.ActorName));

        // Each stored file's decision sits right before its upload entry: they were written in one commit.
        var uploadSequences = uploads.Select(u => u.Sequence).ToHashSet();
        Assert.Equal(files.Count, decisions.Count(d => uploadSequences.Contains(d.Sequence + 1)));

        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var stored = await db.DicomInstances.Select(i => i.BlobKey).ToListAsync();
        Assert.Equal(files.Count, stored.Count);
        Assert.Equal(files.Count, await db.Blobs.CountAsync(b => stored.Contains(b.Key)));
        var verification = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync();
        Assert.True(verification.IsValid, verification.Message);
    }

    private static async Task<(string Id, string Instances)> OpenAsync(HttpClient physician)
    {
        using var created = await physician.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = "患者甲" },
            requirement = new { deviceCategory = "CranialPlate", clinicalRequirement = "plate" },
        });
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        using var opened = await physician.PostAsJsonAsync($"/api/orders/{id}/datasets", new { kind = "MedicalImaging" });
        var dataset = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["id"]!;
        return (id, $"/api/orders/{id}/datasets/{dataset}/instances");
    }

    private static async Task SetCellAsync(HttpClient secadmin, string stage, bool allowed)
    {
        using var changed = await secadmin.PutAsJsonAsync("/api/permissions", new
        {
            party = "MedicalInstitution", role = "Physician", stage, @class = "IdentifiedPatientData", action = "Upload", allowed,
        });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
    }

    private static async Task<HttpStatusCode> PostAsync(HttpClient client, string instances, string file)
    {
        using var response = await client.PostAsync(new Uri(instances, UriKind.Relative), Dicom(await File.ReadAllBytesAsync(file)));
        return response.StatusCode;
    }

    private static ByteArrayContent Dicom(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
        return content;
    }
}
