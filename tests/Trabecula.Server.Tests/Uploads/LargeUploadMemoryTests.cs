using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Trabecula.Server.Tests.Browser;
using Trabecula.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Trabecula.Server.Tests.Uploads;

/// <summary>
/// Issue "storage and transfer", done-when: a 2 GiB upload through tus and its download keep the
/// server's memory growth under 100 MiB. The real server process; its resident set size
/// (/proc/PID/status VmRSS) sampled throughout upload, completion, ingest and download.
/// </summary>
public sealed class LargeUploadMemoryTests(ITestOutputHelper output)
{
    private const long PixelBytes = 2L << 30; // 32768 × 32768 × 16 bit
    private const int PieceBytes = 64 << 20;
    private const long MaxGrowthBytes = 100L << 20;

    [Fact]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("TestPlan", "DOS-03")]
    public async Task TwoGiBDicomThroughTus_IngestedAndDownloaded_KeepsServerRssGrowthUnder100MiB()
    {
        using var data = new TempDirectory();
        var seed = await ServerProcess.RunCliAsync(["demo", "seed", "--data", data.Path]);
        Assert.True(seed.ExitCode == 0, seed.StandardError);
        await using var server = await ServerProcess.StartAsync(data.Path);
        var account = await DemoAccount.SetUpAsync(server, seed.StandardOutput, "demo.physician");
        using var physician = await DemoApiClient.SignInAsync(server, account, TimeSpan.FromMinutes(10));

        // A real CT header from pydicom (the fixture series), grown to one 32768 × 32768 slice; the pixel data follows from the test.
        var made = await ProcessRunner.RunAsync("/usr/bin/python3", ["-c",
            "import sys,io,pydicom\nds=pydicom.dcmread(sys.argv[1])\ndel ds.PixelData\nds.Rows=32768\nds.Columns=32768\nb=io.BytesIO()\nds.save_as(b,write_like_original=False)\nsys.stdout.buffer.write(b.getvalue().hex().encode())\n",
            (await DicomSamples.SeriesAsync())[0]]);
        Assert.True(made.ExitCode == 0, made.StandardError);
        var header = Convert.FromHexString(made.StandardOutput.Trim());
        var pixelElement = new byte[12];
        "\xE0\x7F\x10\x00OW\0\0"u8.CopyTo(pixelElement);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(pixelElement.AsSpan(8), (uint)PixelBytes);
        var length = header.Length + pixelElement.Length + PixelBytes;

        var (orderId, datasetId) = await OpenOrderWithDatasetAsync(physician);
        using var rss = new RssSampler(server.ProcessId);
        var baseline = rss.Baseline();

        // Upload: pieces of 64 MiB made on the fly from one incompressible buffer, hashed as they go.
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var location = await CreateAsync(physician, length);
        var noise = RandomNumberGenerator.GetBytes(PieceBytes);
        var piece = new byte[PieceBytes];
        long offset = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (offset < length)
        {
            var count = (int)Math.Min(PieceBytes, length - offset);
            Fill(piece.AsSpan(0, count), offset, header, pixelElement, noise);
            sha.AppendData(piece, 0, count);
            using var request = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(piece, 0, count) };
            request.Headers.Add("Tus-Resumable", "1.0.0");
            request.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
            using var response = await physician.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"PATCH at {offset}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            offset += count;
            Assert.Equal(offset.ToString(CultureInfo.InvariantCulture), response.Headers.GetValues("Upload-Offset").Single());
        }

        var uploaded = started.Elapsed;
        var expectedSha = Convert.ToHexStringLower(sha.GetHashAndReset());

        // Ingest: parsed up to its pixels, streamed into the dataset's own blob.
        var uploadId = location.ToString().Split('/')[^1];
        using var ingested = await physician.PostAsync(new Uri($"/api/orders/{orderId}/datasets/{datasetId}/uploads/{uploadId}", UriKind.Relative), null);
        var body = await ingested.Content.ReadAsStringAsync();
        Assert.True(ingested.StatusCode == HttpStatusCode.Created, body);
        var instance = JsonNode.Parse(body)!;
        Assert.Equal(expectedSha, (string)instance["sha256"]!);
        Assert.Equal(length, (long)instance["length"]!);
        var afterIngest = started.Elapsed;

        // Download: streamed, every byte hashed by the test.
        using (var download = await physician.GetAsync(new Uri($"/api/orders/{orderId}/datasets/{datasetId}/instances/{(string)instance["id"]!}", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal(length, download.Content.Headers.ContentLength);
            await using var stream = await download.Content.ReadAsStreamAsync();
            int read;
            long total = 0;
            while ((read = await stream.ReadAsync(piece)) > 0)
            {
                sha.AppendData(piece, 0, read);
                total += read;
            }

            Assert.Equal(length, total);
        }

        Assert.Equal(expectedSha, Convert.ToHexStringLower(sha.GetHashAndReset()));

        // A range from the middle of the pixels (resuming a download) without reading what comes before it.
        using (var range = new HttpRequestMessage(HttpMethod.Get, $"/api/orders/{orderId}/datasets/{datasetId}/instances/{(string)instance["id"]!}"))
        {
            var from = length / 2;
            range.Headers.Range = new RangeHeaderValue(from, from + 99);
            using var partial = await physician.SendAsync(range);
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            var bytes = await partial.Content.ReadAsByteArrayAsync();
            var expected = new byte[100];
            Fill(expected, from, header, pixelElement, noise);
            Assert.Equal(expected, bytes);
        }

        var peak = rss.Stop();
        output.WriteLine($"RSS baseline {baseline >> 20} MiB, peak {peak >> 20} MiB, growth {(peak - baseline) >> 20} MiB; " +
            $"upload {uploaded.TotalSeconds:F1} s, ingest {(afterIngest - uploaded).TotalSeconds:F1} s, download {(started.Elapsed - afterIngest).TotalSeconds:F1} s");
        Assert.True(peak - baseline < MaxGrowthBytes, $"RSS grew by {(peak - baseline) >> 20} MiB (baseline {baseline >> 20} MiB, peak {peak >> 20} MiB)");
    }

    /// <summary>The bytes of the file at <paramref name="offset"/>: header, pixel element header, then the noise repeated (each 64 MiB stamped with its index, so no two pieces are equal).</summary>
    private static void Fill(Span<byte> target, long offset, byte[] header, byte[] pixelElement, byte[] noise)
    {
        var prefix = header.Length + pixelElement.Length;
        var i = 0;
        while (i < target.Length)
        {
            var at = offset + i;
            if (at < prefix)
            {
                target[i++] = at < header.Length ? header[at] : pixelElement[at - header.Length];
                continue;
            }

            var pixel = at - prefix;
            var within = (int)(pixel % noise.Length);
            if (within < 8)
            {
                target[i++] = (byte)((pixel / noise.Length) >> (8 * within)); // the repetition's index, little endian
                continue;
            }

            var run = Math.Min(noise.Length - within, target.Length - i);
            noise.AsSpan(within, run).CopyTo(target[i..]);
            i += run;
        }
    }

    private static async Task<Uri> CreateAsync(HttpClient client, long length)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads");
        request.Headers.Add("Tus-Resumable", "1.0.0");
        request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String("CT-2GiB.dcm"u8.ToArray()));
        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return response.Headers.Location!;
    }

    private static async Task<(string OrderId, string DatasetId)> OpenOrderWithDatasetAsync(HttpClient physician)
    {
        using var created = await physician.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = "患者己" },
            requirement = new { deviceCategory = "Other", clinicalRequirement = "large CT" },
        });
        var order = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, order);
        var id = (string)JsonNode.Parse(order)!["id"]!;
        using var opened = await physician.PostAsJsonAsync($"/api/orders/{id}/datasets", new { kind = "MedicalImaging", description = "CT 2 GiB" });
        var dataset = await opened.Content.ReadAsStringAsync();
        Assert.True(opened.IsSuccessStatusCode, dataset);
        return (id, (string)JsonNode.Parse(dataset)!["id"]!);
    }

    /// <summary>Reads VmRSS of a process every 50 ms on a thread of its own and keeps the highest.</summary>
    private sealed class RssSampler : IDisposable
    {
        private readonly int _pid;
        private readonly Thread _thread;
        private volatile bool _stop;
        private long _peak;

        public RssSampler(int pid)
        {
            _pid = pid;
            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    var now = Read();
                    if (now > Interlocked.Read(ref _peak))
                    {
                        Interlocked.Exchange(ref _peak, now);
                    }

                    Thread.Sleep(50);
                }
            }) { IsBackground = true };
        }

        /// <summary>The RSS now (after the server has served the sign-in, an order and a dataset), and sampling starts.</summary>
        public long Baseline()
        {
            var now = Read();
            _peak = now;
            _thread.Start();
            return now;
        }

        public long Stop()
        {
            _stop = true;
            _thread.Join();
            return Math.Max(Interlocked.Read(ref _peak), Read());
        }

        private long Read()
        {
            foreach (var line in File.ReadLines($"/proc/{_pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) << 10;
                }
            }

            throw new InvalidOperationException("no VmRSS");
        }

        public void Dispose()
        {
            _stop = true;
        }
    }
}
