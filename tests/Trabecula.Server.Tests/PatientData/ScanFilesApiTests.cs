using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.PatientData;

/// <summary>
/// Optical captures and model scans (R-DATA-1/2): a 3-D scan as STL (OpenSCAD), PLY and OBJ
/// (Assimp) and photos as JPEG and PNG (Pillow), each carrying a canary where scanners and phones
/// put names (the STL header, a PLY comment, an OBJ comment, EXIF, a JPEG comment, PNG text). They
/// are stored, read back as reports, refused when they are not what they claim, dated and measured
/// by hand, confirmed, and reach the designer as copies that hold the geometry or the pixels only.
/// </summary>
public sealed class ScanFilesApiTests
{
    private const string Canary = "张三SCANCANARY";

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-DATA-1")]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("Requirement", "R-DATA-6")]
    [Trait("TestPlan", "UP-04")]
    [Trait("TestPlan", "UP-05")]
    [Trait("TestPlan", "CRY-01")]
    public async Task OpticalCapture_ScansAndPhotos_AreStoredChecked_AndTheDesignerGetsCopiesWithoutTheCanary(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        var other = await TestAccounts.OrganizationAsync(factory, "Hospital B", PartyTypes.MedicalInstitution);
        var design = await TestAccounts.OrganizationAsync(factory, "Design House", PartyTypes.Designer);
        using var physician = await MfaHelper.NewUserSignedInAsync(factory, "dr.li", Roles.Physician, hospital);
        using var stranger = await MfaHelper.NewUserSignedInAsync(factory, "dr.other", Roles.Physician, other);
        await TestAccounts.UserAsync(factory, "designer", Roles.Designer, organization: design);
        using var designer = await TestAccounts.SignedInAsync(factory, "designer");
        using var created = await physician.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = "患者乙" },
            requirement = new { deviceCategory = "DentalAligner", clinicalRequirement = "upper and lower aligners" },
        });
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        (await physician.PutAsJsonAsync($"/api/orders/{id}/participants", new { designerId = design.Id })).Dispose();
        using var opened = await physician.PostAsJsonAsync($"/api/orders/{id}/datasets", new { kind = "OpticalCapture", description = "intra-oral scan" });
        var dataset = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["id"]!;
        var files = $"/api/orders/{id}/datasets/{dataset}/files";

        using var temp = new TempDirectory();
        var samples = await MakeSamplesAsync(temp);
        var stored = new Dictionary<string, string>();
        foreach (var (name, bytes) in samples)
        {
            using var response = await physician.PostAsync(new Uri($"{files}?name={Uri.EscapeDataString(Canary + "-" + name)}", UriKind.Relative), Raw(bytes));
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{name}: {(int)response.StatusCode} {body}");
            stored[name] = (string)body["id"]!;
            if (name.EndsWith(".jpg", StringComparison.Ordinal) || name.EndsWith(".png", StringComparison.Ordinal))
            {
                Assert.Equal(320, (int)body["report"]!["width"]!);
            }
            else
            {
                Assert.True((int)body["report"]!["triangles"]! > 100, name);
                Assert.True((bool)body["report"]!["closed"]!, name);
            }
        }

        Assert.Equal(["Stl", "Ply", "Obj", "Jpeg", "Png"], await FormatsAsync(physician, id));

        // The same file again is stored once; what is not a scan, or is broken, is refused with why and where.
        using var again = await physician.PostAsync(new Uri(files, UriKind.Relative), Raw(samples[0].Bytes));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        using var html = await physician.PostAsync(new Uri($"{files}?name=scan.stl", UriKind.Relative), Raw("<html><script>alert(1)</script></html>"u8.ToArray()));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, html.StatusCode);
        using var truncated = await physician.PostAsync(new Uri(files, UriKind.Relative), Raw(samples[0].Bytes[..^20]));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, truncated.StatusCode);
        Assert.Equal("application/problem+json", truncated.Content.Headers.ContentType?.MediaType);
        var badPly = Encoding.ASCII.GetBytes("ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 7\n");
        using var badIndex = await physician.PostAsync(new Uri(files, UriKind.Relative), Raw(badPly));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badIndex.StatusCode);
        Assert.Equal(13, (int)JsonNode.Parse(await badIndex.Content.ReadAsStringAsync())!["line"]!);
        Assert.Equal(5, (await FormatsAsync(physician, id)).Count);

        // Only the institution uploads; another hospital does not learn the order exists.
        using var designerUpload = await designer.PostAsync(new Uri(files, UriKind.Relative), Raw(samples[1].Bytes));
        using var strangerUpload = await stranger.PostAsync(new Uri(files, UriKind.Relative), Raw(samples[1].Bytes));
        using var strangerDownload = await stranger.GetAsync(new Uri($"{files}/{stored[samples[0].Name]}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, designerUpload.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, strangerUpload.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, strangerDownload.StatusCode);

        // Acquisition by hand; the dental-aligner profile wants accuracy <= 0.05 mm within 30 days.
        var acquisition = $"/api/orders/{id}/datasets/{dataset}/acquisition";
        var today = TimeProvider.System.GetUtcNow().UtcDateTime;
        var old = today.AddDays(-40).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        (await physician.PutAsJsonAsync(acquisition, new { manufacturer = "3Shape", model = "TRIOS 5", serialNumber = "T5-0042", resolutionMm = 0.02, accuracyMm = 0.08, acquiredAt = old })).Dispose();
        Assert.Equal(["Accuracy", "Expired"], await FlagsAsync(physician, id));
        using var future = await physician.PutAsJsonAsync(acquisition, new { accuracyMm = 0.02, acquiredAt = "2999-01-01" });
        Assert.Equal(HttpStatusCode.BadRequest, future.StatusCode);
        (await physician.PutAsJsonAsync(acquisition, new { manufacturer = "3Shape", model = "TRIOS 5", serialNumber = "T5-0042", resolutionMm = 0.02, accuracyMm = 0.02, acquiredAt = today })).Dispose();
        Assert.Empty(await FlagsAsync(physician, id));

        // Confirmation makes the designers' copies; the originals stay with the institution.
        using var confirm = await physician.PostAsync(new Uri($"/api/orders/{id}/datasets/{dataset}/confirm", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Equal(5, (int)JsonNode.Parse(await confirm.Content.ReadAsStringAsync())!["deidentifiedCount"]!);
        using var late = await physician.PutAsJsonAsync(acquisition, new { accuracyMm = 0.01 });
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        (await physician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "DataCollected" })).Dispose();
        (await physician.PostAsJsonAsync($"/api/orders/{id}/confirmations", new { artifactType = "requirements", version = 1 })).Dispose();
        using var moved = await physician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "DataConfirmed" });
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);

        var canary = Encoding.UTF8.GetBytes(Canary);
        foreach (var (name, original) in samples)
        {
            using var identified = await designer.GetAsync(new Uri($"{files}/{stored[name]}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Forbidden, identified.StatusCode);
            using var copy = await designer.GetAsync(new Uri($"{files}/{stored[name]}/deidentified", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, copy.StatusCode);
            Assert.Equal("attachment", copy.Content.Headers.ContentDisposition?.DispositionType);
            Assert.DoesNotContain(Canary, copy.Content.Headers.ContentDisposition?.FileName ?? "", StringComparison.Ordinal);
            var bytes = await copy.Content.ReadAsByteArrayAsync();
            Assert.True(bytes.AsSpan().IndexOf(canary) < 0 && bytes.AsSpan().IndexOf("SCANCANARY"u8) < 0, $"{name}: the designer's copy holds the canary");
            var path = temp.Combine("copy-" + name);
            await File.WriteAllBytesAsync(path, bytes);
            if (name.EndsWith(".jpg", StringComparison.Ordinal) || name.EndsWith(".png", StringComparison.Ordinal))
            {
                // Pillow decodes every pixel of the copy, and they are the original's; exiftool finds no person or place.
                var check = await ProcessRunner.RunAsync("/usr/bin/python3", ["-c",
                    "import sys; from PIL import Image; a=Image.open(sys.argv[1]); b=Image.open(sys.argv[2]); a.load(); b.load(); print(a.size, list(a.getdata())==list(b.getdata()))",
                    path, temp.Combine(name)]);
                Assert.True(check.ExitCode == 0, check.StandardError);
                Assert.Equal("(320, 240) True", check.StandardOutput.Trim());
                var exif = await ProcessRunner.RunAsync("exiftool", ["-a", "-G1", path]);
                Assert.DoesNotContain("CANARY", exif.StandardOutput, StringComparison.Ordinal);
                Assert.DoesNotContain("GPS", exif.StandardOutput, StringComparison.Ordinal);
            }
            else
            {
                // Every mesh reaches the designer as binary STL that ADMesh (not ours) reads as a closed part.
                Assert.Equal(84 + (50L * BitConverter.ToUInt32(bytes, 80)), bytes.LongLength);
                var admesh = await ProcessRunner.RunAsync("admesh", [path]);
                Assert.True(admesh.ExitCode == 0, admesh.StandardError);
                Assert.Contains("Number of parts       :     1", admesh.StandardOutput, StringComparison.Ordinal);
            }
        }

        // Nothing on disk holds the canary in clear: not the files, not the names they were uploaded under.
        foreach (var file in Directory.GetFiles(factory.DataDirectory, "*", SearchOption.AllDirectories))
        {
            Assert.True((await File.ReadAllBytesAsync(file)).AsSpan().IndexOf("SCANCANARY"u8) < 0, $"{Path.GetFileName(file)} holds the canary in clear");
        }
    }

    [Fact]
    [Trait("Requirement", "R-DATA-4")]
    public async Task MedicalImagingDataset_RefusesScans_TheyBelongToOpticalCaptures()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        using var physician = await MfaHelper.NewUserSignedInAsync(factory, "dr.li", Roles.Physician, hospital);
        using var created = await physician.PostAsJsonAsync("/api/orders", new { patient = new { name = "患者丙" }, requirement = new { deviceCategory = "CranialPlate", clinicalRequirement = "plate" } });
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        using var opened = await physician.PostAsJsonAsync($"/api/orders/{id}/datasets", new { kind = "MedicalImaging" });
        var dataset = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["id"]!;
        using var temp = new TempDirectory();
        var stl = (await MakeSamplesAsync(temp))[0].Bytes;

        using var refused = await physician.PostAsync(new Uri($"/api/orders/{id}/datasets/{dataset}/files", UriKind.Relative), Raw(stl));

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
    }

    /// <summary>One model (OpenSCAD), exported by Assimp, and two photos (Pillow), each with the canary where such files carry names.</summary>
    private static async Task<List<(string Name, byte[] Bytes)>> MakeSamplesAsync(TempDirectory temp)
    {
        await File.WriteAllTextAsync(temp.Combine("arch.scad"), "hull() { for (a = [0:30:180]) rotate([0, 0, a]) translate([20, 0, 0]) sphere(r = 4, $fn = 16); }");
        await RunAsync("openscad", "--export-format", "binstl", "-o", temp.Combine("arch.stl"), temp.Combine("arch.scad"));
        await RunAsync("assimp", "export", temp.Combine("arch.stl"), temp.Combine("arch.ply"), "-fply");
        await RunAsync("assimp", "export", temp.Combine("arch.stl"), temp.Combine("arch.obj"), "-fobj");
        await RunAsync("/usr/bin/python3", Path.Combine(RepositoryPaths.Root, "tools", "fixtures", "make-photos.py"), temp.Path, Canary);

        var stl = await File.ReadAllBytesAsync(temp.Combine("arch.stl"));
        var header = Encoding.UTF8.GetBytes("patient " + Canary);
        Array.Clear(stl, 0, 80);
        header.CopyTo(stl, 0);
        var ply = (await File.ReadAllTextAsync(temp.Combine("arch.ply"))).Replace("format ascii 1.0\n", $"format ascii 1.0\ncomment patient {Canary}\n", StringComparison.Ordinal);
        var obj = $"# patient {Canary}\n" + await File.ReadAllTextAsync(temp.Combine("arch.obj"));
        return
        [
            ("arch.stl", stl),
            ("arch.ply", Encoding.UTF8.GetBytes(ply)),
            ("arch.obj", Encoding.UTF8.GetBytes(obj)),
            ("photo.jpg", await File.ReadAllBytesAsync(temp.Combine("photo.jpg"))),
            ("photo.png", await File.ReadAllBytesAsync(temp.Combine("photo.png"))),
        ];
    }

    private static async Task RunAsync(string tool, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(tool, arguments);
        Assert.True(result.ExitCode == 0, $"{tool}: {result.StandardError}");
    }

    private static async Task<List<string>> FormatsAsync(HttpClient client, string orderId)
    {
        var datasets = JsonNode.Parse(await client.GetStringAsync(new Uri($"/api/orders/{orderId}/datasets", UriKind.Relative)))!.AsArray();
        return [.. datasets.Single()!["scans"]!.AsArray().Select(s => (string)s!["format"]!)];
    }

    private static async Task<List<string>> FlagsAsync(HttpClient client, string orderId)
    {
        var datasets = JsonNode.Parse(await client.GetStringAsync(new Uri($"/api/orders/{orderId}/datasets", UriKind.Relative)))!.AsArray();
        return [.. datasets.Single()!["flags"]!.AsArray().Select(f => (string)f!["code"]!)];
    }

    private static ByteArrayContent Raw(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return content;
    }
}
