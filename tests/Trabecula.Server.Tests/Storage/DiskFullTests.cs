using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Trabecula.Server.Tests.Browser;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Storage;

/// <summary>
/// REL-03: the real server with its data folder on a 40 MiB tmpfs (the SQLite database beside it
/// on the ordinary disk, so that reads, which are audited, can still write). Uploads fill it: a
/// single-request upload is refused early, and tus PATCHes that run out of room while their
/// chunks are sealed (the last piece of one upload, the first of another) are answered 507 with
/// problem details, their sealing session dropped so that the resent bytes get a new key; earlier files
/// still download and hash right, nothing partial is left on the disk, and once room is made
/// the same uploads finish. Mounting needs root (CI runs as root): otherwise the test fails and says so.
/// </summary>
public sealed class DiskFullTests
{
    private const int MiB = 1 << 20;

    [Fact]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "REL-03")]
    [Trait("TestPlan", "UP-06")]
    public async Task DiskFull_AnswersClear507_ForSingleRequestsAndTusPatches_ReadsKeepWorking_NothingPartialRemains()
    {
        using var root = new TempDirectory("trabecula-full");
        var data = root.Combine("data");
        Directory.CreateDirectory(data);
        var mount = await ProcessRunner.RunAsync("mount", ["-t", "tmpfs", "-o", "size=40m,mode=0700", "tmpfs", data]);
        Assert.True(mount.ExitCode == 0, $"REL-03 mounts a tmpfs and needs root (CI runs as root): mount said {mount.StandardError.Trim()}");
        try
        {
            var environment = new Dictionary<string, string?>
            {
                ["Database__ConnectionString"] = $"Data Source={root.Combine("trabecula.db")};Pooling=True",
            };
            var seed = await ServerProcess.RunCliAsync(["demo", "seed", "--data", data], environment);
            Assert.True(seed.ExitCode == 0, seed.StandardError);
            await using var server = await ServerProcess.StartAsync(data, environment);
            using var api = await DemoApiClient.SignInAsync(server, await DemoAccount.SetUpAsync(server, seed.StandardOutput, "demo.physician"));
            var (orderId, datasetId) = await OpenScanDatasetAsync(api);
            var random = new Random(403);

            // Before the disk fills: three scans stored, one tus upload half sent, another created.
            var stored = new List<(string Id, string Sha256)>();
            for (var i = 0; i < 3; i++)
            {
                var stl = Stl(random, MiB);
                using var created = await PostScanAsync(api, orderId, datasetId, stl);
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                stored.Add(((string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!, Sha(stl)));
            }

            var half = RandomNumberGenerator.GetBytes(2 * MiB);
            var halfUpload = await CreateTusAsync(api, half.Length);
            using (var first = await PatchAsync(api, halfUpload, 0, half.AsMemory(0, MiB)))
            {
                Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
            }

            var later = RandomNumberGenerator.GetBytes(MiB);
            var laterUpload = await CreateTusAsync(api, later.Length);

            // Something else takes the disk: 1.5 MiB stay free.
            var filler = Path.Combine(data, "filler");
            Fill(filler, leaveFree: 3 * MiB / 2);

            // A scan that would not leave the reserve: refused before anything is written.
            using (var refused = await PostScanAsync(api, orderId, datasetId, Stl(random, MiB)))
            {
                await AssertInsufficientStorageAsync(refused);
            }

            // The last MiB of the tus upload runs out of room while it is sealed into the part file.
            Fill(filler, leaveFree: MiB / 2);
            using (var partFull = await PatchAsync(api, halfUpload, MiB, half.AsMemory(MiB)))
            {
                await AssertInsufficientStorageAsync(partFull);
            }

            Assert.Equal(MiB, await OffsetAsync(api, halfUpload));
            AssertNothingPartial(data, expectedBlobs: 3, (halfUpload, MiB), (laterUpload, 0));

            // And so does the first piece of the other one.
            using (var firstFull = await PatchAsync(api, laterUpload, 0, later))
            {
                await AssertInsufficientStorageAsync(firstFull);
            }

            Assert.Equal(0, await OffsetAsync(api, laterUpload));
            AssertNothingPartial(data, expectedBlobs: 3, (halfUpload, MiB), (laterUpload, 0));

            // Reads keep working on the full disk, with the right bytes.
            foreach (var (id, sha) in stored)
            {
                using var download = await api.GetAsync(new Uri($"/api/orders/{orderId}/datasets/{datasetId}/files/{id}", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, download.StatusCode);
                Assert.Equal(sha, Sha(await download.Content.ReadAsByteArrayAsync()));
            }

            // Room again: the same uploads finish where they stopped, and the server never stopped serving.
            File.Delete(filler);
            using (var resumed = await PatchAsync(api, halfUpload, MiB, half.AsMemory(MiB)))
            {
                Assert.Equal(HttpStatusCode.NoContent, resumed.StatusCode);
            }

            using (var again = await PatchAsync(api, laterUpload, 0, later))
            {
                Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
            }

            using (var more = await PostScanAsync(api, orderId, datasetId, Stl(random, MiB)))
            {
                Assert.Equal(HttpStatusCode.Created, more.StatusCode);
            }

            AssertNothingPartial(data, expectedBlobs: 6);
        }
        finally
        {
            await ProcessRunner.RunAsync("umount", ["-l", data]);
        }
    }

    private static async Task AssertInsufficientStorageAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.InsufficientStorage, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal("urn:trabecula:problem:insufficient-storage", (string)problem["type"]!);
        Assert.Contains("disk", (string)problem["detail"]!, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>No temp file, no blob file beyond the stored ones, and each upload has one part file holding exactly the chunks it acknowledged.</summary>
    private static void AssertNothingPartial(string data, int expectedBlobs, params (Uri Upload, long Offset)[] spools)
    {
        var blobs = Path.Combine(data, "blobs");
        var temp = Path.Combine(blobs, ".tmp");
        Assert.Empty(Directory.Exists(temp) ? Directory.GetFiles(temp) : []);
        Assert.Equal(expectedBlobs, Directory.GetFiles(blobs, "*", SearchOption.AllDirectories).Length);
        foreach (var (upload, offset) in spools)
        {
            var id = upload.ToString().Split('/')[^1].Replace("-", "", StringComparison.Ordinal);
            var part = Assert.Single(Directory.GetFiles(Path.Combine(data, "uploads"), id + ".*"));
            Assert.Equal(32 + (offset / (64 * 1024) * (64 * 1024 + 16)), new FileInfo(part).Length); // header, whole sealed chunks (the rest is in the row)
        }

        if (spools.Length == 0)
        {
            Assert.Empty(Directory.GetFiles(Path.Combine(data, "uploads")));
        }
    }

    /// <summary>Grows (or shrinks) a file of the test's own until the disk has <paramref name="leaveFree"/> bytes left.</summary>
    private static void Fill(string path, long leaveFree)
    {
        using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write);
        file.Position = file.Length;
        var block = new byte[MiB / 4];
        try
        {
            while (true)
            {
                file.Write(block);
                file.Flush();
            }
        }
        catch (IOException)
        {
            // The disk is full.
        }

        file.SetLength(Math.Max(0, file.Length - leaveFree));
    }

    /// <summary>A binary STL of random triangles, about <paramref name="bytes"/> long (random floats do not compress).</summary>
    private static byte[] Stl(Random random, int bytes)
    {
        var triangles = (bytes - 84) / 50;
        var stl = new byte[84 + (50 * triangles)];
        BitConverter.TryWriteBytes(stl.AsSpan(80), (uint)triangles);
        for (var t = 0; t < triangles; t++)
        {
            for (var f = 0; f < 12; f++)
            {
                BitConverter.TryWriteBytes(stl.AsSpan(84 + (50 * t) + (4 * f)), f < 3 ? 0f : (float)(random.NextDouble() * 100));
            }
        }

        return stl;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static async Task<(string OrderId, string DatasetId)> OpenScanDatasetAsync(HttpClient api)
    {
        using var created = await api.PostAsJsonAsync("/api/orders", new { patient = new { name = "磁盘已满" }, requirement = new { deviceCategory = "Other", clinicalRequirement = "REL-03" } });
        created.EnsureSuccessStatusCode();
        var orderId = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        using var dataset = await api.PostAsJsonAsync($"/api/orders/{orderId}/datasets", new { kind = "PhysicalModelScan", description = "REL-03" });
        dataset.EnsureSuccessStatusCode();
        return (orderId, (string)JsonNode.Parse(await dataset.Content.ReadAsStringAsync())!["id"]!);
    }

    private static Task<HttpResponseMessage> PostScanAsync(HttpClient api, string orderId, string datasetId, byte[] stl)
    {
        var content = new ByteArrayContent(stl);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return api.PostAsync(new Uri($"/api/orders/{orderId}/datasets/{datasetId}/files", UriKind.Relative), content);
    }

    private static async Task<Uri> CreateTusAsync(HttpClient api, long length)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads");
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        using var response = await api.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return response.Headers.Location!;
    }

    private static Task<HttpResponseMessage> PatchAsync(HttpClient api, Uri upload, long offset, ReadOnlyMemory<byte> bytes)
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, upload) { Content = new ByteArrayContent(bytes.ToArray()) };
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        return api.SendAsync(request);
    }

    private static async Task<long> OffsetAsync(HttpClient api, Uri upload)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, upload);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        using var response = await api.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return long.Parse(response.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
    }
}
