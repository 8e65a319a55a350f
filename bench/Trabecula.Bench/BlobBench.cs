using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Bench;

/// <summary>
/// The blob store's write path without a disk, under BenchmarkDotNet: 1 GiB of plaintext through
/// SHA-256 and 64 KiB AES-256-GCM chunks (<see cref="ChunkSealingStream"/>) to Stream.Null, read
/// in the store's 256 KiB blocks. "Store" is the store's own loop (<see cref="PlaintextCopy"/>,
/// hashing beside sealing); "OneThread" hashes and seals each block in turn, as the store did
/// before. Anchors: `openssl speed -evp aes-256-gcm` and `-evp sha256` in bench/blob.sh.
/// </summary>
[MemoryDiagnoser]
public class BlobSealBenchmarks
{
    private const int Block = 256 * 1024;

    private readonly byte[] _pattern = RandomNumberGenerator.GetBytes(1 << 20);
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _buffer = new byte[Block];

    [Params(1024)]
    public int MiB { get; set; }

    [Benchmark(Baseline = true)]
    public async Task<byte[]> OneThread()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var sealer = new ChunkSealingStream(Stream.Null, _key, BlobEnvelope.Header(Guid.NewGuid(), compressed: false));
        await sealer.StartAsync(CancellationToken.None);
        using var source = new RepeatingStream(_pattern, (long)MiB << 20);
        int read;
        while ((read = await source.ReadAsync(_buffer)) > 0)
        {
            hash.AppendData(_buffer, 0, read);
            await sealer.WriteAsync(_buffer.AsMemory(0, read));
        }

        await sealer.CompleteAsync(CancellationToken.None);
        return hash.GetHashAndReset();
    }

    [Benchmark]
    public async Task<byte[]> Store()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var sealer = new ChunkSealingStream(Stream.Null, _key, BlobEnvelope.Header(Guid.NewGuid(), compressed: false));
        await sealer.StartAsync(CancellationToken.None);
        using var source = new RepeatingStream(_pattern, (long)MiB << 20);
        _ = await PlaintextCopy.CopyAsync(source, _buffer, 0, sealer, hash, CancellationToken.None);
        await sealer.CompleteAsync(CancellationToken.None);
        return hash.GetHashAndReset();
    }
}

internal static class BlobBench
{
    /// <summary>Runs <see cref="BlobSealBenchmarks"/> in this process and prints MiB/s per method.</summary>
    public static void Run()
    {
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(2).WithIterationCount(7).WithLaunchCount(1))
            .AddColumn(StatisticColumn.Median, StatisticColumn.Min)
            .WithOptions(ConfigOptions.DisableLogFile);
        var summary = BenchmarkRunner.Run<BlobSealBenchmarks>(config);
        foreach (var report in summary.Reports)
        {
            Line(report);
        }
    }

    private static void Line(BenchmarkReport report)
    {
        if (report.ResultStatistics is not { } stats)
        {
            return;
        }

        var mib = (int)report.BenchmarkCase.Parameters["MiB"];
        // Statistics are in nanoseconds per operation; one operation streams MiB mebibytes.
        Report.Line($"Trabecula blob seal + SHA-256, {report.BenchmarkCase.Descriptor.WorkloadMethod.Name}, {mib} MiB in memory",
            mib / (stats.Median / 1e9), "MiB/s", $"BenchmarkDotNet median of {stats.N}; best {mib / (stats.Min / 1e9):F0}");
    }
}

/// <summary>A read-only stream of <c>length</c> bytes repeating one pattern: a large plaintext without the memory.</summary>
internal sealed class RepeatingStream(byte[] pattern, long length) : Stream
{
    private long _position;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length && _position < length)
        {
            var at = (int)(_position % pattern.Length);
            var take = (int)Math.Min(Math.Min(buffer.Length - total, pattern.Length - at), length - _position);
            pattern.AsSpan(at, take).CopyTo(buffer[total..]);
            total += take;
            _position += take;
        }

        return total;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
