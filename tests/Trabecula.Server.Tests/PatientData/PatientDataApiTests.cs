using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Monitoring;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.PatientData;

/// <summary>DICOM intake over HTTP on both databases, with files pydicom made.</summary>
public sealed class PatientDataApiTests
{
    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-DATA-1")]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("Requirement", "R-DATA-3")]
    [Trait("TestPlan", "UP-03")]
    [Trait("TestPlan", "CRY-01")]
    public async Task Institution_PostsASeries_GetsSummaries_ConfirmsIt_AndOnlyItReadsTheOriginal(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        var design = await TestAccounts.OrganizationAsync(factory, "Design House", PartyTypes.Designer);
        using var physician = await MfaHelper.NewUserSignedInAsync(factory, "dr.li", Roles.Physician, hospital);
        await TestAccounts.UserAsync(factory, "designer", Roles.Designer, organization: design);
        using var designer = await TestAccounts.SignedInAsync(factory, "designer");
        using var created = await physician.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = "患者甲" },
            requirement = new { deviceCategory = "CranialPlate", clinicalRequirement = "plate" },
        });
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        (await physician.PutAsJsonAsync($"/api/orders/{id}/participants", new { designerId = design.Id })).Dispose();
        using var opened = await physician.PostAsJsonAsync($"/api/orders/{id}/datasets", new { kind = "MedicalImaging", description = "CT 0.625 mm" });
        var dataset = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["id"]!;
        var instances = $"/api/orders/{id}/datasets/{dataset}/instances";
        var files = await DicomSamples.SeriesAsync();

        // Every file of the series: 201; the same file again: 200, stored once.
        foreach (var file in files)
        {
            using var stored = await physician.PostAsync(new Uri(instances, UriKind.Relative), Dicom(await File.ReadAllBytesAsync(file)));
            Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        }

        using var again = await physician.PostAsync(new Uri(instances, UriKind.Relative), Dicom(await File.ReadAllBytesAsync(files[0])));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True((bool)JsonNode.Parse(await again.Content.ReadAsStringAsync())!["alreadyStored"]!);

        // The designer cannot upload, and cannot download the identified original.
        using var designerUpload = await designer.PostAsync(new Uri(instances, UriKind.Relative), Dicom(await File.ReadAllBytesAsync(files[0])));
        Assert.Equal(HttpStatusCode.Forbidden, designerUpload.StatusCode);

        // The summary comes from the headers: one CT series of four 64 x 64 slices.
        var list = JsonNode.Parse(await physician.GetStringAsync(new Uri($"/api/orders/{id}/datasets", UriKind.Relative)))!.AsArray();
        var series = list.Single()!["series"]!.AsArray().Single()!;
        Assert.Equal(4, (int)list[0]!["instanceCount"]!);
        Assert.Equal(4, (int)series["sliceCount"]!);
        Assert.Equal("CT", (string?)series["modality"]);
        Assert.Equal(64, (int)series["rows"]!);
        Assert.NotNull(series["sliceThicknessMm"]);

        // The cranial-plate profile (CT, <= 1.0 mm, <= 90 days): the generator makes 1.25 mm slices of a 2024 study.
        Assert.Equal(["SliceThickness", "Expired"], series["flags"]!.AsArray().Select(f => (string?)f!["code"]));

        // The original comes back byte for byte, to the institution only, as an attachment.
        var firstId = await InstanceIdAsync(factory, await File.ReadAllBytesAsync(files[0]));
        using var download = await physician.GetAsync(new Uri($"{instances}/{firstId}", UriKind.Relative));
        using var designerDownload = await designer.GetAsync(new Uri($"{instances}/{firstId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(await File.ReadAllBytesAsync(files[0]), await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);

        // Ranges and the content hash as ETag: a resumed download, and a cached copy revalidated.
        var etag = download.Headers.ETag;
        Assert.Equal($"\"{System.Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(files[0])))}\"", etag?.Tag);
        using (var range = new HttpRequestMessage(HttpMethod.Get, $"{instances}/{firstId}"))
        {
            range.Headers.Range = new RangeHeaderValue(128, 131);
            using var partial = await physician.SendAsync(range);
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal("DICM"u8.ToArray(), await partial.Content.ReadAsByteArrayAsync());
        }

        using (var conditional = new HttpRequestMessage(HttpMethod.Get, $"{instances}/{firstId}"))
        {
            conditional.Headers.IfNoneMatch.Add(etag!);
            using var notModified = await physician.SendAsync(conditional);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }
        Assert.Equal(HttpStatusCode.Forbidden, designerDownload.StatusCode);

        // The preview: a PNG rendered on the server, for the institution from the original; not for the designer yet.
        using var preview = await physician.GetAsync(new Uri($"{instances}/{firstId}/render?preset=bone&size=64", UriKind.Relative));
        using var designerPreview = await designer.GetAsync(new Uri($"{instances}/{firstId}/render", UriKind.Relative));
        Assert.Equal("image/png", preview.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, (await preview.Content.ReadAsByteArrayAsync())[..4]);
        Assert.Equal(HttpStatusCode.Forbidden, designerPreview.StatusCode);

        // Nothing on disk holds the patient's name in clear (encryption at rest).
        var canary = System.Text.Encoding.ASCII.GetBytes(DicomSamples.PatientNameInSeries);
        foreach (var file in Directory.GetFiles(factory.DataDirectory, "*", SearchOption.AllDirectories))
        {
            Assert.True((await File.ReadAllBytesAsync(file)).AsSpan().IndexOf(canary) < 0, $"{Path.GetFileName(file)} holds the patient's name in clear");
        }

        // Confirmation: only the institution's physician; after it the dataset takes no more files.
        using var designerConfirm = await designer.PostAsync(new Uri($"/api/orders/{id}/datasets/{dataset}/confirm", UriKind.Relative), null);
        using var confirm = await physician.PostAsync(new Uri($"/api/orders/{id}/datasets/{dataset}/confirm", UriKind.Relative), null);
        using var late = await physician.PostAsync(new Uri(instances, UriKind.Relative), Dicom(await File.ReadAllBytesAsync(files[0])));
        Assert.Equal(HttpStatusCode.Forbidden, designerConfirm.StatusCode);
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Equal(4, (int)JsonNode.Parse(await confirm.Content.ReadAsStringAsync())!["deidentifiedCount"]!);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);

        // The confirmation made the de-identified derivative; the designer gets it once the order is at DataConfirmed.
        var deidentified = new Uri($"{instances}/{firstId}/deidentified", UriKind.Relative);
        using var tooEarly = await designer.GetAsync(deidentified);
        Assert.Equal(HttpStatusCode.Forbidden, tooEarly.StatusCode);
        (await physician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "DataCollected" })).Dispose();
        (await physician.PostAsJsonAsync($"/api/orders/{id}/confirmations", new { artifactType = "requirements", version = 1 })).Dispose();
        using var moved = await physician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "DataConfirmed" });
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        using var derivative = await designer.GetAsync(deidentified);
        Assert.Equal(HttpStatusCode.OK, derivative.StatusCode);
        using var designerPreviewNow = await designer.GetAsync(new Uri($"{instances}/{firstId}/render", UriKind.Relative));
        Assert.Equal("image/png", designerPreviewNow.Content.Headers.ContentType?.MediaType);

        // pydicom (not ours) reads it: the case pseudonym, PatientIdentityRemoved, no trace of the name.
        var pseudonym = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["pseudonym"]!;
        using var temp = new TempDirectory();
        await File.WriteAllBytesAsync(temp.Combine("d.dcm"), await derivative.Content.ReadAsByteArrayAsync());
        var read = await ProcessRunner.RunAsync("/usr/bin/python3", ["-c", "import pydicom,sys; d=pydicom.dcmread(sys.argv[1]); print(d.PatientName, d.PatientID, d.PatientIdentityRemoved, d.Manufacturer)", temp.Combine("d.dcm")]);
        Assert.True(read.ExitCode == 0, read.StandardError);
        Assert.StartsWith($"{pseudonym} {pseudonym} YES", read.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe", await File.ReadAllTextAsync(temp.Combine("d.dcm"), System.Text.Encoding.Latin1), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Requirement", "R-DATA-1")]
    [Trait("TestPlan", "UP-03")]
    [Trait("TestPlan", "UP-04")]
    [Trait("TestPlan", "INT-01")]
    public async Task BadFiles_AreRefusedWithTheirPosition_NothingIsStored_AndATamperedBlobIsNeverServed()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        using var physician = await MfaHelper.NewUserSignedInAsync(factory, "dr.li", Roles.Physician, hospital);
        var (id, datasetId) = await OpenOrderWithDatasetAsync(physician, "患者乙");
        var instances = new Uri($"/api/orders/{id}/datasets/{datasetId}/instances", UriKind.Relative);
        var good = await File.ReadAllBytesAsync((await DicomSamples.SeriesAsync())[0]);

        using var truncated = await physician.PostAsync(instances, Dicom(good[..900]));
        using var garbage = await physician.PostAsync(instances, Dicom("this is not DICOM at all, just text"u8.ToArray()));
        using var wrongType = await physician.PostAsync(instances, new ByteArrayContent(good));
        var problem = JsonNode.Parse(await truncated.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.UnprocessableEntity, truncated.StatusCode);
        Assert.Equal("application/problem+json", truncated.Content.Headers.ContentType?.MediaType);
        Assert.True((long)problem["offset"]! > 0);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, garbage.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(factory.DataDirectory, "blobs")), "a refused file must leave nothing on disk");

        // A stored blob changed on disk: the download refuses, raises an integrity alert.
        (await physician.PostAsync(instances, Dicom(good))).Dispose();
        var blob = Directory.GetFiles(Path.Combine(factory.DataDirectory, "blobs"), "*", SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(blob);
        bytes[^100] ^= 0x01;
        await File.WriteAllBytesAsync(blob, bytes);
        using var tampered = await physician.GetAsync(new Uri($"{instances}/{await InstanceIdAsync(factory, good)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.InternalServerError, tampered.StatusCode);
        Assert.DoesNotContain("DICM", await tampered.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var scope = factory.Services.CreateScope();
        Assert.Single(await scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>().SecurityAlerts.Where(a => a.Kind == AlertKind.IntegrityFailure).ToListAsync());
    }

    [Fact]
    [Trait("Requirement", "R-DATA-1")]
    [Trait("TestPlan", "UP-03")]
    [Trait("TestPlan", "DOS-03")]
    public async Task ZipArchive_FromPythonsZipfile_StoresTheDicomEntries_SkipsTheRest_AndABombCostsBoundedWork()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        using var physician = await MfaHelper.NewUserSignedInAsync(factory, "dr.li", Roles.Physician, hospital);
        var (id, datasetId) = await OpenOrderWithDatasetAsync(physician, "患者丁");
        var archives = new Uri($"/api/orders/{id}/datasets/{datasetId}/archives", UriKind.Relative);
        var files = await DicomSamples.SeriesAsync();
        using var temp = new TempDirectory();
        var truncated = temp.Combine("broken.dcm");
        await File.WriteAllBytesAsync(truncated, (await File.ReadAllBytesAsync(files[0]))[..700]);

        // Python's zipfile makes the archives: the series in a folder, a README, a truncated file; and a 300 MiB bomb.
        const string make = "import sys,zipfile\n"
            + "out,broken,*dcm=sys.argv[1:]\n"
            + "with zipfile.ZipFile(out+'/export.zip','w',zipfile.ZIP_DEFLATED) as z:\n"
            + "  [z.write(f,'DICOM/SE1/IM%d'%i) for i,f in enumerate(dcm)]; z.writestr('README.TXT','viewer'); z.write(broken,'DICOM/SE1/BROKEN')\n"
            + "with zipfile.ZipFile(out+'/bomb.zip','w',zipfile.ZIP_DEFLATED) as z:\n"
            + "  with z.open('IM0','w',force_zip64=True) as f:\n"
            + "    [f.write(bytes(1<<20)) for _ in range(300)]\n";
        var made = await ProcessRunner.RunAsync("/usr/bin/python3", ["-c", make, temp.Path, truncated, .. files]);
        Assert.True(made.ExitCode == 0, made.StandardError);

        using var first = await physician.PostAsync(archives, Zip(await File.ReadAllBytesAsync(temp.Combine("export.zip"))));
        using var again = await physician.PostAsync(archives, Zip(await File.ReadAllBytesAsync(temp.Combine("export.zip"))));
        using var bomb = await physician.PostAsync(archives, Zip(await File.ReadAllBytesAsync(temp.Combine("bomb.zip"))));
        using var notZip = await physician.PostAsync(archives, Zip("PK but not really"u8.ToArray()));

        var result = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(4, (int)result["stored"]!);
        Assert.Equal(1, (int)result["skipped"]!);
        Assert.Equal("DICOM/SE1/BROKEN", (string?)result["refused"]![0]!["entry"]);
        Assert.Equal(4, (int)JsonNode.Parse(await again.Content.ReadAsStringAsync())!["alreadyStored"]!);
        Assert.Equal("larger than 256 MiB", (string?)JsonNode.Parse(await bomb.Content.ReadAsStringAsync())!["refused"]![0]!["detail"]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notZip.StatusCode);
    }

    private static ByteArrayContent Zip(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return content;
    }

    [Fact]
    [Trait("Requirement", "R-AUTH-5")]
    [Trait("Requirement", "R-DATA-1")]
    [Trait("TestPlan", "NODE-01")]
    public async Task PacsGateway_PostsInstancesWithItsBearerToken_OnlyWithTheScope_AndOnlyForItsInstitution()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        var other = await TestAccounts.OrganizationAsync(factory, "Hospital B", PartyTypes.MedicalInstitution);
        using var admin = await MfaHelper.NewUserSignedInAsync(factory, "hospital.admin", Roles.InstitutionAdmin, hospital);
        using var otherAdmin = await MfaHelper.NewUserSignedInAsync(factory, "other.admin", Roles.InstitutionAdmin, other);
        using var physician = await MfaHelper.NewUserSignedInAsync(factory, "dr.li", Roles.Physician, hospital);
        var (id, datasetId) = await OpenOrderWithDatasetAsync(physician, "患者丙");
        var instances = $"/api/orders/{id}/datasets/{datasetId}/instances";
        using var gateway = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false });
        var upload = await TokenForAsync(admin, gateway, hospital.Id, "imaging.upload");
        var readOnly = await TokenForAsync(admin, gateway, hospital.Id, "orders.read");
        var foreign = await TokenForAsync(otherAdmin, gateway, other.Id, "imaging.upload");
        var file = await File.ReadAllBytesAsync((await DicomSamples.SeriesAsync())[1]);

        using var stored = await PostAsync(gateway, upload, instances, file);
        using var withoutScope = await PostAsync(gateway, readOnly, instances, file);
        using var otherHospital = await PostAsync(gateway, foreign, instances, file);
        using var listing = await SendAsync(gateway, upload, HttpMethod.Get, $"/api/orders/{id}/datasets", null);

        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, withoutScope.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherHospital.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, listing.StatusCode);
    }

    private static async Task<string> TokenForAsync(HttpClient admin, HttpClient gateway, Guid organization, string scope)
    {
        using var registered = await admin.PostAsJsonAsync($"/api/organizations/{organization}/clients", new { name = "PACS " + scope, scopes = new[] { scope } });
        var body = JsonNode.Parse(await registered.Content.ReadAsStringAsync())!;
        using var token = await gateway.PostAsync(new Uri("/api/auth/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = (string)body["client"]!["clientId"]!,
            ["client_secret"] = (string)body["clientSecret"]!,
        }));
        return (string)JsonNode.Parse(await token.Content.ReadAsStringAsync())!["access_token"]!;
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string token, string path, byte[] file) =>
        SendAsync(client, token, HttpMethod.Post, path, Dicom(file));

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string token, HttpMethod method, string path, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    /// <summary>The physician opens an order for a new case and a medical-imaging dataset on it.</summary>
    private static async Task<(string OrderId, string DatasetId)> OpenOrderWithDatasetAsync(HttpClient physician, string patientName)
    {
        using var created = await physician.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = patientName },
            requirement = new { deviceCategory = "CranialPlate", clinicalRequirement = "plate" },
        });
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        using var opened = await physician.PostAsJsonAsync($"/api/orders/{id}/datasets", new { kind = "MedicalImaging" });
        return (id, (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["id"]!);
    }

    private static ByteArrayContent Dicom(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
        return content;
    }

    private static async Task<Guid> InstanceIdAsync(TrabeculaFactory factory, byte[] file)
    {
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file));
        using var scope = factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>().DicomInstances.Where(i => i.Sha256 == sha).Select(i => i.Id).SingleAsync();
    }
}
