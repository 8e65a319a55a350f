using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Features.Uploads;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Uploads;

/// <summary>tus 1.0 resumable uploads over HTTP, and a finished upload ingested into a dataset, on both databases.</summary>
public sealed class TusUploadTests
{
    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "UP-06")]
    [Trait("TestPlan", "CRY-01")]
    public async Task ZipInPieces_WithChecksums_ResumedAfterAStop_IsIngestedIntoTheDataset_LikeTheArchivesEndpoint(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        using var physician = await MfaHelper.NewUserSignedInAsync(factory, "dr.li", Roles.Physician, hospital);
        using var other = await MfaHelper.NewUserSignedInAsync(factory, "dr.wang", Roles.Physician, hospital);
        var (orderId, datasetId) = await OpenOrderWithDatasetAsync(physician);
        var files = await DicomSamples.SeriesAsync();
        using var temp = new TempDirectory();
        var made = await ProcessRunner.RunAsync("/usr/bin/python3", ["-c",
            "import sys,zipfile\nout,*dcm=sys.argv[1:]\nwith zipfile.ZipFile(out,'w',zipfile.ZIP_STORED) as z:\n  [z.write(f,'DICOM/IM%d'%i) for i,f in enumerate(dcm)]; z.writestr('README.TXT','viewer')\n",
            temp.Combine("ct.zip"), .. files]);
        Assert.True(made.ExitCode == 0, made.StandardError);
        var zip = await File.ReadAllBytesAsync(temp.Combine("ct.zip"));

        using var options = new HttpRequestMessage(HttpMethod.Options, "/api/uploads");
        using var discovered = await physician.SendAsync(options);
        Assert.Equal(HttpStatusCode.NoContent, discovered.StatusCode);
        Assert.Equal("1.0.0", discovered.Headers.GetValues("Tus-Version").Single());
        Assert.Contains("checksum", discovered.Headers.GetValues("Tus-Extension").Single(), StringComparison.Ordinal);

        var location = await CreateAsync(physician, zip.Length, "filename " + Convert.ToBase64String("Doe^John^Q CT.zip"u8.ToArray()));

        // A first piece with its checksum; then a piece whose checksum is wrong is discarded (460).
        using (var first = await PatchAsync(physician, location, 0, zip.AsMemory(0, 1000), checksum: true))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
            Assert.Equal("1000", first.Headers.GetValues("Upload-Offset").Single());
        }

        using (var corrupted = await PatchAsync(physician, location, 1000, zip.AsMemory(1000, 5000), checksum: true, corruptChecksum: true))
        {
            Assert.Equal(460, (int)corrupted.StatusCode);
        }

        using (var wrongOffset = await PatchAsync(physician, location, 500, zip.AsMemory(500, 10), checksum: false))
        {
            Assert.Equal(HttpStatusCode.Conflict, wrongOffset.StatusCode);
        }

        // What a resuming client does after a stop: HEAD, then carry on from the server's offset.
        Assert.Equal(1000, await OffsetAsync(physician, location));
        Assert.Equal(HttpStatusCode.NotFound, (await HeadAsync(other, location)).StatusCode);

        // The bytes in the part file and the row are sealed: the patient's name in the DICOM headers is nowhere on disk.
        using (var second = await PatchAsync(physician, location, 1000, zip.AsMemory(1000, zip.Length / 2 - 1000), checksum: false))
        {
            Assert.Equal(HttpStatusCode.NoContent, second.StatusCode);
        }

        AssertNoCanary(factory.DataDirectory);
        using (var last = await PatchAsync(physician, location, zip.Length / 2, zip.AsMemory(zip.Length / 2), checksum: true))
        {
            Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
            Assert.Equal(zip.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), last.Headers.GetValues("Upload-Offset").Single());
        }

        var uploadId = location.ToString().Split('/')[^1];
        var ingest = new Uri($"/api/orders/{orderId}/datasets/{datasetId}/uploads/{uploadId}", UriKind.Relative);
        using var foreignIngest = await other.PostAsync(ingest, null);
        Assert.Equal(HttpStatusCode.NotFound, foreignIngest.StatusCode);
        using var ingested = await physician.PostAsync(ingest, null);
        Assert.Equal(HttpStatusCode.OK, ingested.StatusCode);
        var result = JsonNode.Parse(await ingested.Content.ReadAsStringAsync())!;
        Assert.Equal((files.Count, 1), ((int)result["stored"]!, (int)result["skipped"]!));
        using var again = await physician.PostAsync(ingest, null);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);

        // A single DICOM file by tus, in one piece: stored as POST instances stores it (already there: 200).
        var single = await File.ReadAllBytesAsync(files[0]);
        var singleLocation = await CreateAsync(physician, single.Length, null);
        (await PatchAsync(physician, singleLocation, 0, single, checksum: true)).Dispose();
        using var singleIngest = await physician.PostAsync(new Uri($"/api/orders/{orderId}/datasets/{datasetId}/uploads/{singleLocation.ToString().Split('/')[^1]}", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, singleIngest.StatusCode);
        Assert.True((bool)JsonNode.Parse(await singleIngest.Content.ReadAsStringAsync())!["alreadyStored"]!);

        var datasets = JsonNode.Parse(await physician.GetStringAsync(new Uri($"/api/orders/{orderId}/datasets", UriKind.Relative)))!.AsArray();
        Assert.Equal(files.Count, (int)datasets.Single()!["instanceCount"]!);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        Assert.All(await db.Uploads.AsNoTracking().ToListAsync(), u => Assert.NotNull(u.ConsumedAt));
        Assert.Empty(Directory.GetFiles(Path.Combine(factory.DataDirectory, "uploads")));
        Assert.Equal(files.Count, await db.Blobs.CountAsync()); // the upload blobs went once ingested
        AssertNoCanary(factory.DataDirectory);
    }

    [Fact]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "UP-06")]
    [Trait("TestPlan", "DOS-03")]
    public async Task Limits_AreAnsweredFromTheHeaders_413And507_AndAbandonedUploadsExpireAndAreSwept()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite, clock, new Dictionary<string, string?>
        {
            ["Uploads:MaxBytes"] = "1000000",
            ["Uploads:QuotaBytesPerUser"] = "1500000",
            ["Uploads:ExpiryMinutes"] = "10",
        });
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        using var physician = await MfaHelper.NewUserSignedInAsync(factory, "dr.li", Roles.Physician, hospital);

        using (var tooLarge = await PostCreateAsync(physician, 1_000_001, null))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        }

        var first = await CreateAsync(physician, 900_000, null);
        using (var overQuota = await PostCreateAsync(physician, 900_000, null))
        {
            Assert.Equal(HttpStatusCode.InsufficientStorage, overQuota.StatusCode);
            Assert.Equal("urn:trabecula:problem:insufficient-storage", (string?)JsonNode.Parse(await overQuota.Content.ReadAsStringAsync())!["type"]);
        }

        // A PATCH announcing more than remains is refused on its Content-Length.
        using (var overLength = await PatchAsync(physician, first, 0, new byte[900_001], checksum: false))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, overLength.StatusCode);
        }

        using (var piece = await PatchAsync(physician, first, 0, RandomNumberGenerator.GetBytes(4096), checksum: false))
        {
            Assert.Equal(HttpStatusCode.NoContent, piece.StatusCode);
        }

        using (var missingVersion = new HttpRequestMessage(HttpMethod.Post, "/api/uploads"))
        {
            missingVersion.Headers.Add("Upload-Length", "10");
            using var refused = await physician.SendAsync(missingVersion);
            Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        }

        // Abandoned: after the expiry it is gone, its part file too, and the quota is free again.
        var spool = factory.Services.GetRequiredService<UploadSpool>();
        var id = Guid.Parse(first.ToString().Split('/')[^1]);
        Assert.Single(Parts(spool, id));
        clock.Advance(TimeSpan.FromMinutes(11)); // within the session's idle limit
        Assert.Equal(HttpStatusCode.NotFound, (await HeadAsync(physician, first)).StatusCode);
        Assert.Equal(1, await factory.Services.GetRequiredService<UploadSweeper>().SweepAsync(CancellationToken.None));
        Assert.Empty(Parts(spool, id));
        _ = await CreateAsync(physician, 900_000, null);

        // Terminated by the client: gone at once.
        var second = await CreateAsync(physician, 500_000, null);
        using (var deleted = await physician.DeleteAsync(second))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await HeadAsync(physician, second)).StatusCode);
    }

    internal static string[] Parts(UploadSpool spool, Guid id) => Directory.GetFiles(spool.Folder, $"{id:N}.*");

    private static void AssertNoCanary(string folder)
    {
        var canary = System.Text.Encoding.ASCII.GetBytes(DicomSamples.PatientNameInSeries);
        foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories))
        {
            Assert.True(File.ReadAllBytes(file).AsSpan().IndexOf(canary) < 0, $"{file} holds the patient's name in clear");
        }
    }

    private static async Task<HttpResponseMessage> PostCreateAsync(HttpClient client, long length, string? metadata)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads");
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (metadata is not null)
        {
            request.Headers.Add("Upload-Metadata", metadata);
        }

        return await client.SendAsync(request);
    }

    internal static async Task<Uri> CreateAsync(HttpClient client, long length, string? metadata)
    {
        using var response = await PostCreateAsync(client, length, metadata);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.True(response.Headers.Contains("Upload-Expires"));
        return response.Headers.Location!;
    }

    internal static async Task<HttpResponseMessage> PatchAsync(HttpClient client, Uri location, long offset, ReadOnlyMemory<byte> bytes, bool checksum, bool corruptChecksum = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, location);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Offset", offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (checksum)
        {
            var digest = SHA256.HashData(bytes.Span);
            if (corruptChecksum)
            {
                digest[0] ^= 1;
            }

            request.Headers.Add("Upload-Checksum", "sha256 " + Convert.ToBase64String(digest));
        }

        request.Content = new ReadOnlyMemoryContent(bytes);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        return await client.SendAsync(request);
    }

    internal static async Task<HttpResponseMessage> HeadAsync(HttpClient client, Uri location)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, location);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        return await client.SendAsync(request);
    }

    internal static async Task<long> OffsetAsync(HttpClient client, Uri location)
    {
        using var response = await HeadAsync(client, location);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return long.Parse(response.Headers.GetValues("Upload-Offset").Single(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<(string OrderId, string DatasetId)> OpenOrderWithDatasetAsync(HttpClient physician)
    {
        using var created = await physician.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = "患者戊" },
            requirement = new { deviceCategory = "CranialPlate", clinicalRequirement = "plate" },
        });
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        using var opened = await physician.PostAsJsonAsync($"/api/orders/{id}/datasets", new { kind = "MedicalImaging" });
        return (id, (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["id"]!);
    }
}
