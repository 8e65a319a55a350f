using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Trabecula.Server.Infrastructure.Storage;
using Trabecula.Server.Tests.Browser;
using Trabecula.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Trabecula.Server.Tests.Storage;

/// <summary>
/// REL-01: the real server process is killed with SIGKILL at each commit phase of a write
/// (TRABECULA_CRASH_AT) and at random moments (inside a request body at a random byte offset, or
/// a random delay into a request), restarted, and checked: every upload it acknowledged is there
/// and hashes right, nothing it did not acknowledge is visible half-done, a resumable upload
/// resumes from at least the offset it acknowledged, and after the sweepers ran no temp file,
/// stale part file or blob file without its row is left. The audit chain verifies at the end.
/// The seed is written to the test output; TRABECULA_CRASH_SEED replays a run.
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    /// <summary>Every hooked phase, in commit order: a tus upload's key generation and sealed piece, the blob store (temp → fsync → rename → fsync folder → row), and the upload's last piece (part linked as the blob → one commit).</summary>
    private static readonly string[] Phases = ["upload-keyed", "upload-sealed", "blob-written", "blob-fsynced", "blob-renamed", "blob-committed", "blob-row", "upload-linked", "upload-completed"];

    /// <summary>
    /// SQLite: 50 iterations, phase kills (each phase at its first, second and third passage) and
    /// random kills in turn. PostgreSQL: once through the phases only, since the commit order is
    /// the store's and the database only changes who commits. Every iteration is one server start,
    /// which is what the test costs (see docs/performance.md, "REL-01 crash-safety test").
    /// </summary>
    public static TheoryData<DatabaseKind, int, bool> Runs => new()
    {
        { DatabaseKind.Sqlite, 50, true },
        { DatabaseKind.PostgreSql, Phases.Length, false },
    };

    [Fact]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("TestPlan", "REL-01")]
    public void CrashPoints_WithoutTheVariable_AreOffAndPassingEveryPointDoesNothing()
    {
        // The test host runs without TRABECULA_CRASH_AT, as every deployment does: passing every
        // point must not kill it (if it did, this whole test run would end here).
        Assert.Null(Environment.GetEnvironmentVariable("TRABECULA_CRASH_AT"));
        Assert.False(CrashPoints.IsArmed);
        foreach (var phase in Phases.Append("rewrap-batch"))
        {
            for (var i = 0; i < 5; i++)
            {
                CrashPoints.Hit(phase);
            }
        }

        Assert.False(CrashPoints.IsArmed);
    }

    [Theory]
    [InlineData(null, null, 0)]
    [InlineData("", null, 0)]
    [InlineData("  ", null, 0)]
    [InlineData("blob-row", "blob-row", 1)]
    [InlineData("blob-renamed:3", "blob-renamed", 3)]
    [InlineData("blob-renamed:x", "blob-renamed", 1)]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("TestPlan", "REL-01")]
    public void CrashPoints_Parse_ReadsNameAndPassage(string? value, string? name, int count)
    {
        var parsed = CrashPoints.Parse(value);
        Assert.Equal(name, parsed?.Name);
        Assert.Equal(count, parsed?.Count ?? 0);
    }

    [Fact]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("TestPlan", "REL-01")]
    public void EveryHookedPoint_IsOneThisTestKillsAt()
    {
        // A new CrashPoints.Hit in the server must be added to Phases (or be the key rotation's,
        // which BlobStoreTests kills at), so that no commit step goes untested.
        var hooked = Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "src", "Trabecula.Server"), "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(p => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(p), "CrashPoints\\.Hit\\(\"([a-z-]+)\"\\)").Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Equal(Phases.Append("rewrap-batch").Order(StringComparer.Ordinal), hooked.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Runs))]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "REL-01")]
    public async Task KillNine_AtEachCommitPhaseAndAtRandomOffsets_LeavesTheOldOrTheNewState_AndTheSweepersLeaveNoOrphans(DatabaseKind kind, int iterations, bool randomKills)
    {
        var seed = Environment.GetEnvironmentVariable("TRABECULA_CRASH_SEED") is { Length: > 0 } fixedSeed
            ? int.Parse(fixedSeed, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        output.WriteLine($"seed {seed} ({kind}, {iterations} iterations); replay with TRABECULA_CRASH_SEED={seed}");
        var random = new Random(seed);
        var total = Stopwatch.StartNew();

        using var data = new TempDirectory("trabecula-crash");
        var environment = new Dictionary<string, string?>();
        if (kind == DatabaseKind.PostgreSql)
        {
            environment["Database__Provider"] = "PostgreSQL";
            environment["Database__ConnectionString"] = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        }

        var slices = MakeSlicesAsync(data.Combine("slices"), count: 4 * iterations + 8);
        var seedRun = await ServerProcess.RunCliAsync(["demo", "seed", "--data", data.Combine("server")], environment);
        Assert.True(seedRun.ExitCode == 0, seedRun.StandardError);

        var world = new World([.. (await slices).Select(bytes => new Item(bytes))]);
        var starts = new List<TimeSpan>();
        HttpClient? api = null;
        try
        {
            await using (var first = await StartAsync(data, environment, null, starts))
            {
                var physician = await DemoAccount.SetUpAsync(first, seedRun.StandardOutput, "demo.physician");
                api = await DemoApiClient.SignInAsync(first, physician);
                await world.OpenOrderAsync(api);
            }

            // Restarts skip the migrations check: the schema is the first start's, and start-up is this test's main cost.
            environment["Database__MigrateOnStart"] = "false";
            var phaseRuns = 0;
            var randomRuns = 0;
            for (var i = 0; i < iterations; i++)
            {
                // Phase kills and random kills take turns: each phase at its first, second and third
                // passage (the tus phases pass once a round), then random kills only.
                // Without random kills (PostgreSQL), each blob phase at its second passage, so that
                // every iteration also acknowledges an upload before it dies.
                var round = randomKills ? i / 2 : i + Phases.Length;
                var phase = (!randomKills || i % 2 == 0) && round < Phases.Length * 3
                    ? $"{Phases[round % Phases.Length]}:{(Phases[round % Phases.Length].StartsWith("upload", StringComparison.Ordinal) ? 1 : 1 + (round / Phases.Length))}"
                    : null;
                var chaos = phase is null ? Chaos.Next(random) : null;
                output.WriteLine($"#{i}: {phase ?? chaos!.ToString()}");
                await using var server = await StartAsync(data, phase is null ? environment : new(environment) { ["TRABECULA_CRASH_AT"] = phase }, api, starts);
                await world.VerifyAsync(api, thorough: false);
                var died = await world.WorkAsync(api, server, chaos);
                Assert.True(died, $"#{i}: the server never died ({phase ?? chaos!.ToString()}): the crash point or the kill was never reached.\n{server.Output}");
                Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(10)), "the killed server did not exit");
                _ = phase is null ? randomRuns++ : phaseRuns++;
            }

            // The last start sweeps every second with the shortest grace: nothing a crash left may survive it.
            await using (var last = await StartAsync(data, new(environment)
            {
                ["Storage__OrphanGraceSeconds"] = "1",
                ["Storage__SweepIntervalSeconds"] = "1",
                ["Uploads__SweepIntervalSeconds"] = "1",
            }, api, starts))
            {
                await world.VerifyAsync(api, thorough: true);
                var orphans = await PollAsync(() => World.OrphansAsync(data.Combine("server"), kind, environment), TimeSpan.FromSeconds(20));
                Assert.True(orphans.Count == 0, "left behind after the sweep:\n" + string.Join('\n', orphans));
                await last.KillAsync();
            }

            var audit = await ServerProcess.RunCliAsync(["audit", "verify", "--data", data.Combine("server")], environment);
            Assert.True(audit.ExitCode == 0, audit.StandardOutput + audit.StandardError);

            output.WriteLine($"{phaseRuns} phase kills, {randomRuns} random kills; {world.Acknowledged} acknowledged uploads all present, {world.Visible} instances visible");
            output.WriteLine($"server start (to /health/ready): median {starts.Order().ElementAt(starts.Count / 2).TotalMilliseconds:F0} ms, max {starts.Max().TotalMilliseconds:F0} ms over {starts.Count} starts; whole test {total.Elapsed.TotalSeconds:F1} s");
            Assert.True(world.Acknowledged >= iterations / 4, $"only {world.Acknowledged} uploads were acknowledged: the workload barely ran");
        }
        finally
        {
            api?.Dispose();
        }
    }

    private static async Task<ServerProcess> StartAsync(TempDirectory data, Dictionary<string, string?> environment, HttpClient? api, List<TimeSpan> starts)
    {
        var clock = Stopwatch.StartNew();
        var server = await ServerProcess.StartAsync(data.Combine("server"), environment, port: Port(api));
        starts.Add(clock.Elapsed);
        return server;
    }

    /// <summary>The signed-in client keeps its address across restarts (its cookies are for that origin).</summary>
    private static int? Port(HttpClient? api) => api?.BaseAddress?.Port;

    private static async Task<List<string>> PollAsync(Func<Task<List<string>>> check, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var found = await check();
            if (found.Count == 0 || clock.Elapsed > timeout)
            {
                return found;
            }

            await Task.Delay(250);
        }
    }

    private static async Task<List<byte[]>> MakeSlicesAsync(string folder, int count)
    {
        Directory.CreateDirectory(folder);
        var result = await ProcessRunner.RunAsync("/usr/bin/python3",
            [Path.Combine(RepositoryPaths.Root, "tools", "fixtures", "make-ct-series.py"), folder, "-n", count.ToString(CultureInfo.InvariantCulture), "--rows", "96", "--cols", "96", "-q"]);
        Assert.True(result.ExitCode == 0, "make-ct-series.py (python3-pydicom, python3-numpy): " + result.StandardError);
        return [.. Directory.GetFiles(folder, "*.dcm").Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
    }

    /// <summary>How a random iteration kills: inside the n-th request's body at a byte offset, or a delay after the n-th request began.</summary>
    private sealed record Chaos(int Request, int? BodyOffsetPercent, int? DelayMs)
    {
        public static Chaos Next(Random random) => random.Next(2) == 0
            ? new Chaos(random.Next(8), random.Next(1, 100), null)
            : new Chaos(random.Next(8), null, random.Next(0, 40));

        public override string ToString() => BodyOffsetPercent is { } p ? $"kill in request {Request} at {p}% of its body" : $"kill {DelayMs} ms into request {Request}";
    }

    private sealed class Item(byte[] bytes)
    {
        public byte[] Bytes { get; } = bytes;

        public string Sha256 { get; } = Convert.ToHexStringLower(SHA256.HashData(bytes));

        /// <summary>Sent at least once (as one request, or a tus upload was created for it).</summary>
        public bool Tried { get; set; }

        public Uri? Location { get; set; }

        /// <summary>The Upload-Offset the server last acknowledged.</summary>
        public long AckedOffset { get; set; }

        /// <summary>The last PATCH was acknowledged: the upload is a blob and must stay one.</summary>
        public bool AckedComplete { get; set; }

        /// <summary>The server answered 200/201 with this instance: it must be listed and download with these bytes forever.</summary>
        public string? AckedInstance { get; set; }

        /// <summary>The instance seen in the dataset (acknowledged or not).</summary>
        public string? SeenInstance { get; set; }
    }

    private sealed class World(List<Item> items)
    {
        private readonly Dictionary<string, Item> _bySha = items.ToDictionary(i => i.Sha256, StringComparer.Ordinal);

        /// <summary>Scan files (binary STL) posted one per request: the store's own row commit (blob-row) before the feature's.</summary>
        private readonly Dictionary<string, Item> _scans = new(StringComparer.Ordinal);
        private readonly Random _random = new(1);
        private string _orderId = "";
        private string _datasetId = "";
        private string _scanDatasetId = "";
        private int _requests;
        private Chaos? _chaos;
        private ServerProcess? _server;

        public int Acknowledged => items.Count(i => i.AckedInstance is not null);

        public int Visible => items.Count(i => i.SeenInstance is not null);

        public async Task OpenOrderAsync(HttpClient api)
        {
            using var created = await api.PostAsJsonAsync("/api/orders", new { patient = new { name = "崩溃测试" }, requirement = new { deviceCategory = "Other", clinicalRequirement = "REL-01" } });
            created.EnsureSuccessStatusCode();
            _orderId = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
            using var dataset = await api.PostAsJsonAsync($"/api/orders/{_orderId}/datasets", new { kind = "MedicalImaging", description = "REL-01" });
            dataset.EnsureSuccessStatusCode();
            _datasetId = (string)JsonNode.Parse(await dataset.Content.ReadAsStringAsync())!["id"]!;
            using var scans = await api.PostAsJsonAsync($"/api/orders/{_orderId}/datasets", new { kind = "PhysicalModelScan", description = "REL-01" });
            scans.EnsureSuccessStatusCode();
            _scanDatasetId = (string)JsonNode.Parse(await scans.Content.ReadAsStringAsync())!["id"]!;
        }

        /// <summary>The invariants after a restart. Thorough: every instance is downloaded again, not only new ones.</summary>
        public async Task VerifyAsync(HttpClient api, bool thorough)
        {
            var datasets = JsonNode.Parse(await api.GetStringAsync(new Uri($"/api/orders/{_orderId}/datasets", UriKind.Relative)))!.AsArray();
            await VerifyScansAsync(api, datasets.Single(d => (string)d!["id"]! == _scanDatasetId)!, thorough);
            var listed = datasets.Single(d => (string)d!["id"]! == _datasetId)!["instances"]!.AsArray().Select(n => (string)n!).ToList();
            Assert.Equal(listed.Count, listed.Distinct(StringComparer.Ordinal).Count());
            foreach (var instance in listed)
            {
                var known = items.FirstOrDefault(i => string.Equals(i.SeenInstance, instance, StringComparison.Ordinal));
                if (known is not null && !thorough)
                {
                    continue;
                }

                using var download = await api.GetAsync(new Uri($"/api/orders/{_orderId}/datasets/{_datasetId}/instances/{instance}", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, download.StatusCode);
                var sha = Convert.ToHexStringLower(SHA256.HashData(await download.Content.ReadAsByteArrayAsync()));
                // Nothing visible that was not sent whole: every listed file is one of ours, byte for byte.
                Assert.True(_bySha.TryGetValue(sha, out var item), $"instance {instance} holds bytes that were never sent whole (SHA-256 {sha})");
                Assert.True(item!.Tried, $"instance {instance} is a file that was never sent");
                Assert.True(item.SeenInstance is null || item.SeenInstance == instance, $"the same file is listed twice ({item.SeenInstance}, {instance})");
                item.SeenInstance = instance;
            }

            foreach (var item in items.Where(i => i.AckedInstance is not null))
            {
                Assert.True(listed.Contains(item.AckedInstance!, StringComparer.Ordinal), $"acknowledged instance {item.AckedInstance} is gone");
                Assert.Equal(item.AckedInstance, item.SeenInstance);
            }

            foreach (var item in items.Where(i => i.Location is not null && i.SeenInstance is null))
            {
                var (status, offset) = await HeadAsync(api, item.Location!);
                Assert.True(status == HttpStatusCode.OK, $"upload {item.Location} of acknowledged offset {item.AckedOffset}: HEAD {status}");
                Assert.True(offset >= item.AckedOffset, $"upload {item.Location} went back from acknowledged offset {item.AckedOffset} to {offset}");
                Assert.True(!item.AckedComplete || offset == item.Bytes.Length, $"upload {item.Location} was acknowledged complete but the server has {offset} of {item.Bytes.Length} bytes");
            }
        }

        /// <summary>Every listed scan is one that was sent whole; every acknowledged one is listed.</summary>
        private async Task VerifyScansAsync(HttpClient api, JsonNode dataset, bool thorough)
        {
            var listed = (dataset["scans"]?.AsArray() ?? []).Select(n => (string)n!["id"]!).ToList();
            foreach (var scan in listed)
            {
                if (!thorough && _scans.Values.Any(i => string.Equals(i.SeenInstance, scan, StringComparison.Ordinal)))
                {
                    continue;
                }

                using var download = await api.GetAsync(new Uri($"/api/orders/{_orderId}/datasets/{_scanDatasetId}/files/{scan}", UriKind.Relative));
                Assert.Equal(HttpStatusCode.OK, download.StatusCode);
                var sha = Convert.ToHexStringLower(SHA256.HashData(await download.Content.ReadAsByteArrayAsync()));
                Assert.True(_scans.TryGetValue(sha, out var item), $"scan {scan} holds bytes that were never sent whole (SHA-256 {sha})");
                item!.SeenInstance = scan;
            }

            foreach (var item in _scans.Values.Where(i => i.AckedInstance is not null))
            {
                Assert.True(listed.Contains(item.AckedInstance!, StringComparer.Ordinal), $"acknowledged scan {item.AckedInstance} is gone");
            }
        }

        /// <summary>Uploads until the server dies (true) or the work runs out (false).</summary>
        public async Task<bool> WorkAsync(HttpClient api, ServerProcess server, Chaos? chaos)
        {
            (_requests, _chaos, _server) = (0, chaos, server);
            try
            {
                for (var round = 0; round < 4; round++)
                {
                    // Unfinished tus uploads resume from the server's offset, then go into the dataset.
                    foreach (var item in items.Where(i => i.Location is not null && i.SeenInstance is null && i.AckedInstance is null).ToList())
                    {
                        await FinishTusAsync(api, item);
                    }

                    var fresh = items.Where(i => !i.Tried).Take(2).ToList();
                    if (fresh.Count < 2)
                    {
                        return false;
                    }

                    await PostSingleAsync(api, fresh[0]);
                    await PostScanAsync(api);
                    fresh[1].Tried = true;
                    using (var created = await SendAsync(api, () => Tus(HttpMethod.Post, new Uri("/api/uploads", UriKind.Relative), ("Upload-Length", fresh[1].Bytes.Length.ToString(CultureInfo.InvariantCulture)))))
                    {
                        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                        fresh[1].Location = created.Headers.Location;
                    }

                    await FinishTusAsync(api, fresh[1]);
                }

                return false;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
            {
                // The kill: anything else (the server up and answering wrongly) fails the test.
                Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(10)), $"the request failed but the server is alive: {ex}\n{server.Output}");
                return true;
            }
        }

        private async Task PostSingleAsync(HttpClient api, Item item)
        {
            item.Tried = true;
            using var stored = await SendAsync(api, () => new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{_orderId}/datasets/{_datasetId}/instances")
            {
                Content = Body(item.Bytes, "application/dicom"),
            });
            Assert.True(stored.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"POST instances: {stored.StatusCode} {await stored.Content.ReadAsStringAsync()}");
            var view = JsonNode.Parse(await stored.Content.ReadAsStringAsync())!;
            Assert.Equal(item.Sha256, (string)view["sha256"]!);
            item.AckedInstance = (string)view["id"]!;
        }

        private async Task PostScanAsync(HttpClient api)
        {
            const int triangles = 40;
            var stl = new byte[84 + (50 * triangles)];
            BitConverter.TryWriteBytes(stl.AsSpan(80), (uint)triangles);
            for (var f = 0; f < triangles * 12; f++)
            {
                BitConverter.TryWriteBytes(stl.AsSpan(84 + (50 * (f / 12)) + (4 * (f % 12))), f % 12 < 3 ? 0f : (float)(_random.NextDouble() * 100));
            }

            var item = new Item(stl) { Tried = true };
            _scans[item.Sha256] = item;
            using var stored = await SendAsync(api, () => new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{_orderId}/datasets/{_scanDatasetId}/files")
            {
                Content = Body(stl, "application/octet-stream"),
            });
            Assert.True(stored.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"POST files: {stored.StatusCode} {await stored.Content.ReadAsStringAsync()}");
            item.AckedInstance = (string)JsonNode.Parse(await stored.Content.ReadAsStringAsync())!["id"]!;
        }

        private async Task FinishTusAsync(HttpClient api, Item item)
        {
            var (status, offset) = await HeadAsync(api, item.Location!);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(offset >= item.AckedOffset, $"upload {item.Location} went back from {item.AckedOffset} to {offset}");
            var piece = item.Bytes.Length / 3 + 1;
            while (offset < item.Bytes.Length)
            {
                var take = (int)Math.Min(piece, item.Bytes.Length - offset);
                var from = offset;
                using var patched = await SendAsync(api, () =>
                {
                    var request = Tus(HttpMethod.Patch, item.Location!, ("Upload-Offset", from.ToString(CultureInfo.InvariantCulture)));
                    request.Content = Body(item.Bytes.AsMemory((int)from, take).ToArray(), "application/offset+octet-stream");
                    return request;
                });
                Assert.True(patched.StatusCode == HttpStatusCode.NoContent, $"PATCH at {from}: {patched.StatusCode} {await patched.Content.ReadAsStringAsync()}");
                offset = long.Parse(patched.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
                Assert.Equal(from + take, offset);
                item.AckedOffset = offset;
            }

            item.AckedComplete = true;
            var uploadId = item.Location!.ToString().Split('/')[^1];
            using var ingested = await SendAsync(api, () => new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{_orderId}/datasets/{_datasetId}/uploads/{uploadId}"));
            if (ingested.StatusCode == HttpStatusCode.NotFound && item.SeenInstance is not null)
            {
                return; // an ingest the kill cut off after it was done: its instance is listed
            }

            Assert.True(ingested.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"ingest of a completed upload: {ingested.StatusCode} {await ingested.Content.ReadAsStringAsync()}");
            var view = JsonNode.Parse(await ingested.Content.ReadAsStringAsync())!;
            Assert.Equal(item.Sha256, (string)view["sha256"]!);
            item.AckedInstance = (string)view["id"]!;
        }

        /// <summary>Sends one request; the chaos plan may kill the server inside its body or a delay after it began.</summary>
        private async Task<HttpResponseMessage> SendAsync(HttpClient api, Func<HttpRequestMessage> make)
        {
            using var request = make();
            var number = _requests++;
            if (_chaos is not { } chaos || chaos.Request != number)
            {
                return await api.SendAsync(request);
            }

            if (chaos.BodyOffsetPercent is { } percent && request.Content is ByteArrayContent content)
            {
                var bytes = await content.ReadAsByteArrayAsync();
                request.Content = new KillingContent(bytes, bytes.Length * percent / 100, _server!.KillAsync, content.Headers.ContentType);
                return await api.SendAsync(request);
            }

            var killer = Task.Run(async () =>
            {
                await Task.Delay(chaos.DelayMs ?? 0);
                await _server!.KillAsync();
            });
            try
            {
                return await api.SendAsync(request);
            }
            finally
            {
                await killer;
            }
        }

        private static async Task<(HttpStatusCode Status, long Offset)> HeadAsync(HttpClient api, Uri location)
        {
            using var head = await api.SendAsync(Tus(HttpMethod.Head, location));
            return (head.StatusCode, head.Headers.TryGetValues("Upload-Offset", out var values) ? long.Parse(values.Single(), CultureInfo.InvariantCulture) : -1);
        }

        private static HttpRequestMessage Tus(HttpMethod method, Uri uri, params (string Name, string Value)[] headers)
        {
            var request = new HttpRequestMessage(method, uri);
            request.Headers.Add("Tus-Resumable", "1.0.0");
            foreach (var (name, value) in headers)
            {
                request.Headers.Add(name, value);
            }

            return request;
        }

        private static ByteArrayContent Body(byte[] bytes, string mediaType)
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return content;
        }

        /// <summary>What the sweepers must have removed: temp files, part files but the current one of each unfinished upload, blob files without a row; and rows without a file.</summary>
        public static async Task<List<string>> OrphansAsync(string dataFolder, DatabaseKind kind, Dictionary<string, string?> environment)
        {
            var (blobKeys, openUploads) = await StoredRowsAsync(dataFolder, kind, environment);
            var found = new List<string>();
            var blobRoot = Path.Combine(dataFolder, "blobs");
            if (Directory.Exists(blobRoot))
            {
                foreach (var path in Directory.EnumerateFiles(blobRoot, "*", SearchOption.AllDirectories))
                {
                    var name = Path.GetFileName(path);
                    if (string.Equals(Path.GetFileName(Path.GetDirectoryName(path)), ".tmp", StringComparison.Ordinal))
                    {
                        found.Add("temp file " + path);
                    }
                    else if (!blobKeys.Remove(name))
                    {
                        found.Add("blob file without a row " + path);
                    }
                }
            }

            found.AddRange(blobKeys.Select(k => "blob row without its file " + k));
            var spool = Path.Combine(dataFolder, "uploads");
            if (Directory.Exists(spool))
            {
                found.AddRange(Directory.EnumerateFiles(spool)
                    .Where(p => !openUploads.Contains(Path.GetFileName(p)))
                    .Select(p => "part file that is not an unfinished upload's current one " + p));
            }

            return found;
        }

        private static async Task<(HashSet<string> BlobKeys, HashSet<string> OpenUploads)> StoredRowsAsync(string dataFolder, DatabaseKind kind, Dictionary<string, string?> environment)
        {
            await using System.Data.Common.DbConnection connection = kind == DatabaseKind.Sqlite
                ? new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataFolder, "trabecula.db")};Mode=ReadOnly;Pooling=False")
                : new Npgsql.NpgsqlConnection(environment["Database__ConnectionString"]);
            await connection.OpenAsync();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var open = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            await using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT \"Key\" FROM \"Blobs\" WHERE \"Target\" = 'local'";
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    keys.Add(reader.GetString(0));
                }
            }

            await using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT \"Id\", \"PartKey\" FROM \"Uploads\" WHERE \"BlobKey\" IS NULL AND \"PartKey\" IS NOT NULL";
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    open.Add($"{reader.GetGuid(0):N}.{reader.GetString(1)}.part");
                }
            }

            return (keys, open);
        }
    }

    /// <summary>A request body that kills the server after some of its bytes went out, then tries to send the rest.</summary>
    private sealed class KillingContent : HttpContent
    {
        private readonly byte[] _bytes;
        private readonly int _killAt;
        private readonly Func<Task> _kill;

        public KillingContent(byte[] bytes, int killAt, Func<Task> kill, MediaTypeHeaderValue? type)
        {
            (_bytes, _killAt, _kill) = (bytes, killAt, kill);
            Headers.ContentType = type;
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_bytes.AsMemory(0, _killAt));
            await stream.FlushAsync();
            await Task.Delay(20); // let the server take in what was sent
            await _kill();
            await stream.WriteAsync(_bytes.AsMemory(_killAt));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _bytes.Length;
            return true;
        }
    }
}
