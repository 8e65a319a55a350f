using System.Diagnostics;
using System.Security.Cryptography;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Bench;

internal static class BlobBench
{
    /// <summary>
    /// The blob store's write path without a disk: SHA-256 of the plaintext and 64 KiB AES-256-GCM
    /// chunks (<see cref="ChunkSealingStream"/>), streamed from a 1 MiB buffer to Stream.Null, as
    /// PutAsync does it. Anchors: `openssl speed -evp aes-256-gcm` and `-evp sha256` in bench/blob.sh.
    /// </summary>
    public static async Task SealAsync(int mebibytes, int runs)
    {
        var buffer = RandomNumberGenerator.GetBytes(1 << 20);
        var key = RandomNumberGenerator.GetBytes(32);
        var results = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var stopwatch = Stopwatch.StartNew();
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using (var sealer = new ChunkSealingStream(Stream.Null, key, BlobEnvelope.Header(Guid.NewGuid(), compressed: false)))
            {
                await sealer.StartAsync(CancellationToken.None);
                for (var i = 0; i < mebibytes; i++)
                {
                    hash.AppendData(buffer);
                    await sealer.WriteAsync(buffer);
                }

                await sealer.CompleteAsync(CancellationToken.None);
            }

            _ = hash.GetHashAndReset();
            stopwatch.Stop();
            results.Add(mebibytes / stopwatch.Elapsed.TotalSeconds);
        }

        results.Sort();
        Report.Line($"Trabecula blob seal (AES-256-GCM 64 KiB chunks + SHA-256), {mebibytes} MiB in memory", results[results.Count / 2], "MiB/s",
            $"median of {runs}; runs {results[0]:F0}..{results[^1]:F0}");
    }
}
