using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Monitoring;
using Trabecula.Server.Infrastructure.Keys;
using Trabecula.Server.Infrastructure.Storage;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Storage;

/// <summary>The envelope-encrypted blob store through its interface, on both databases, with its files tampered with on disk.</summary>
public sealed class BlobStoreTests
{
    public static TheoryData<DatabaseKind> Databases => new() { DatabaseKind.Sqlite, DatabaseKind.PostgreSql };

    /// <summary>Both databases × both stores: the local file system and S3 (s3rver).</summary>
    public static TheoryData<DatabaseKind, StoreKind> Stores => new()
    {
        { DatabaseKind.Sqlite, StoreKind.Local },
        { DatabaseKind.PostgreSql, StoreKind.Local },
        { DatabaseKind.Sqlite, StoreKind.S3 },
        { DatabaseKind.PostgreSql, StoreKind.S3 },
    };

    internal static async Task<TrabeculaFactory> CreateAsync(DatabaseKind kind, StoreKind store, IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        if (store == StoreKind.S3)
        {
            foreach (var (key, value) in await (await S3rverServer.SharedAsync()).NewBucketSettingsAsync())
            {
                all[key] = value;
            }
        }

        var factory = await TrabeculaFactory.CreateAsync(kind, time, all);
        _ = factory.Server;
        return factory;
    }

    [Theory]
    [MemberData(nameof(Stores))]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("Requirement", "R-SEC-3")]
    [Trait("TestPlan", "INT-01")]
    public async Task Put_ThenRead_RoundTripsEverySize_RangeReadsMatch_AndTheRowRecordsClassOrderAndCompression(DatabaseKind kind, StoreKind storeKind)
    {
        await using var factory = await CreateAsync(kind, storeKind);
        var store = factory.Services.GetRequiredService<IBlobStore>();
        var order = Guid.NewGuid();
        var random = new Random(6);
        var chunk = BlobEnvelope.ChunkSize;
        foreach (var size in new[] { 0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk, 5 * chunk + 12345 })
        {
            var content = new byte[size];
            random.NextBytes(content);
            var stored = await store.PutAsync(content, new BlobPutOptions { Sensitivity = BlobSensitivity.DeviceData, Category = "DesignFiles", OrderId = order });
            Assert.Equal(size, stored.Length);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), stored.Sha256);
            Assert.Equal(content, await store.GetAsync(stored.Key, stored.Sha256));

            foreach (var (offset, count) in Ranges(size, random))
            {
                await using var range = await store.OpenReadAsync(stored.Key, stored.Sha256, offset, count);
                using var copy = new MemoryStream();
                await range.CopyToAsync(copy);
                Assert.Equal(content.AsSpan(offset, count).ToArray(), copy.ToArray());
            }
        }

        // Uncompressed pixel data shrinks: it is deflated before encryption, and reads (whole and ranged) undo it.
        var pixels = Enumerable.Range(0, 600_000).Select(i => (byte)(i % 512 < 256 ? 0 : i % 7)).ToArray();
        var packed = await store.PutAsync(new MemoryStream(pixels), new BlobPutOptions { OrderId = order });
        Assert.Equal(pixels, await store.GetAsync(packed.Key, packed.Sha256));
        await using (var middle = await store.OpenReadAsync(packed.Key, packed.Sha256, 200_001, 70_000))
        {
            using var copy = new MemoryStream();
            await middle.CopyToAsync(copy);
            Assert.Equal(pixels.AsSpan(200_001, 70_000).ToArray(), copy.ToArray());
        }

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var rows = await db.Blobs.AsNoTracking().Where(b => b.OrderId == order).ToListAsync();
        Assert.Equal(8, rows.Count);
        var packedRow = rows.Single(r => r.Key == packed.Key);
        Assert.Equal(BlobCompression.Deflate, packedRow.Compression);
        Assert.True(packedRow.StoredLength < pixels.Length / 2, $"stored {packedRow.StoredLength} of {pixels.Length}");
        Assert.Equal(BlobSensitivity.SensitiveMedical, packedRow.Sensitivity);
        var randomRow = rows.Single(r => r.Length == 5 * chunk + 12345);
        Assert.Equal(BlobCompression.None, randomRow.Compression);
        Assert.Equal(BlobSensitivity.DeviceData, randomRow.Sensitivity);
        Assert.Equal("DesignFiles", randomRow.Category);
        Assert.Equal(storeKind == StoreKind.S3 ? ("s3", "cn-north-1") : ("local", "local"), (randomRow.Target, randomRow.Region));
        Assert.Equal(BlobEnvelope.HeaderLength + 6 * BlobEnvelope.TagLength + randomRow.Length, randomRow.StoredLength);
        Assert.Single((await db.KeyEncryptionKeys.AsNoTracking().ToListAsync()).Select(k => k.Id).Intersect(rows.Select(r => r.KekId)));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-DATA-2")]
    public async Task AutoCompressionOff_StoresCompressiblePlain_AlwaysStillDeflates_AndBothReadBack(DatabaseKind kind)
    {
        await using var factory = await CreateAsync(kind, StoreKind.Local, new Dictionary<string, string?> { ["Storage:AutoCompression"] = "false" });
        var store = factory.Services.GetRequiredService<IBlobStore>();
        var order = Guid.NewGuid();
        var pixels = Enumerable.Range(0, 600_000).Select(i => (byte)(i % 512 < 256 ? 0 : i % 7)).ToArray();

        var plain = await store.PutAsync(pixels, new BlobPutOptions { OrderId = order });
        var packed = await store.PutAsync(pixels, new BlobPutOptions { OrderId = order, Compression = BlobCompressionMode.Always });

        Assert.Equal(pixels, await store.GetAsync(plain.Key, plain.Sha256));
        Assert.Equal(pixels, await store.GetAsync(packed.Key, packed.Sha256));
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var rows = await db.Blobs.AsNoTracking().Where(b => b.OrderId == order).ToDictionaryAsync(b => b.Key);
        Assert.Equal(BlobCompression.None, rows[plain.Key].Compression);
        Assert.True(rows[plain.Key].StoredLength > pixels.Length, $"stored {rows[plain.Key].StoredLength} of {pixels.Length}");
        Assert.Equal(BlobCompression.Deflate, rows[packed.Key].Compression);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("TestPlan", "INT-01")]
    public async Task TamperedBlob_BitFlipSwapTruncateReorderAppend_FailsWithoutBytes_RaisesAnAlert_AndIsAudited(DatabaseKind kind, StoreKind storeKind)
    {
        await using var factory = await CreateAsync(kind, storeKind);
        var store = factory.Services.GetRequiredService<IBlobStore>();
        var target = factory.Services.GetRequiredService<BlobTargets>().Write;
        var random = new Random(1);

        async Task<StoredBlob> NewAsync(int size)
        {
            var bytes = new byte[size];
            random.NextBytes(bytes);
            return await store.PutAsync(bytes, new BlobPutOptions { Compression = BlobCompressionMode.None });
        }

        var cases = new List<(string Name, StoredBlob Blob)>();
        var size = 4 * BlobEnvelope.ChunkSize + 1000;

        var flipped = await NewAsync(size);
        await EditAsync(target, flipped, bytes => bytes[BlobEnvelope.HeaderLength + 70_000] ^= 0x10);
        cases.Add(("bit flip", flipped));

        var headerFlipped = await NewAsync(size);
        await EditAsync(target, headerFlipped, bytes => bytes[20] ^= 0x01);
        cases.Add(("header bit flip", headerFlipped));

        // Two blobs' files exchanged: each key's data key meets the other's ciphertext.
        var (a, b) = (await NewAsync(size), await NewAsync(size));
        var bytesA = await ReadRawAsync(target, a.Key);
        await WriteRawAsync(target, a.Key, await ReadRawAsync(target, b.Key));
        await WriteRawAsync(target, b.Key, bytesA);
        cases.Add(("swapped a", a));
        cases.Add(("swapped b", b));

        var cutAtBoundary = await NewAsync(size);
        await EditAsync(target, cutAtBoundary, bytes => bytes.AsSpan(0, BlobEnvelope.HeaderLength + 2 * BlobEnvelope.StoredChunkLength).ToArray());
        cases.Add(("truncated at a chunk boundary", cutAtBoundary));

        var cutInside = await NewAsync(size);
        await EditAsync(target, cutInside, bytes => bytes.AsSpan(0, bytes.Length - 7).ToArray());
        cases.Add(("truncated inside the last chunk", cutInside));

        var reordered = await NewAsync(size);
        await EditAsync(target, reordered, bytes =>
        {
            var first = bytes.AsSpan(BlobEnvelope.HeaderLength, BlobEnvelope.StoredChunkLength).ToArray();
            bytes.AsSpan(BlobEnvelope.HeaderLength + BlobEnvelope.StoredChunkLength, BlobEnvelope.StoredChunkLength).CopyTo(bytes.AsSpan(BlobEnvelope.HeaderLength));
            first.CopyTo(bytes.AsSpan(BlobEnvelope.HeaderLength + BlobEnvelope.StoredChunkLength));
            return bytes;
        });
        cases.Add(("chunks 0 and 1 reordered", reordered));

        var extended = await NewAsync(size);
        await EditAsync(target, extended, bytes => [.. bytes, .. bytes.AsSpan(BlobEnvelope.HeaderLength, BlobEnvelope.StoredChunkLength)]);
        cases.Add(("a chunk appended", extended));

        var removed = await NewAsync(100);
        await target.DeleteAsync(removed.Key, temporary: false, CancellationToken.None);
        cases.Add(("file removed", removed));

        var exchanged = 0;
        foreach (var (name, blob) in cases)
        {
            var whole = await Assert.ThrowsAsync<BlobIntegrityException>(() => store.GetAsync(blob.Key, blob.Sha256));
            Assert.Equal(blob.Key, whole.Key);

            // A streaming read fails too, at the latest when it reaches the damage; it never reports a clean end.
            var streamed = await Assert.ThrowsAsync<BlobIntegrityException>(async () =>
            {
                await using var read = await store.OpenReadAsync(blob.Key, blob.Sha256);
                await read.CopyToAsync(Stream.Null);
            });
            Assert.Equal(blob.Key, streamed.Key);
            exchanged++;
        }

        // A range that touches only undamaged chunks still reads; one over the damage fails.
        await using (var before = await store.OpenReadAsync(flipped.Key, flipped.Sha256, 0, 1000))
        {
            await before.CopyToAsync(Stream.Null);
        }

        await Assert.ThrowsAsync<BlobIntegrityException>(async () =>
        {
            await using var over = await store.OpenReadAsync(flipped.Key, flipped.Sha256, 60_000, 20_000);
            await over.CopyToAsync(Stream.Null);
        });

        // A caller holding a different hash is refused before any byte is read.
        var good = await NewAsync(10);
        await Assert.ThrowsAsync<BlobIntegrityException>(() => store.GetAsync(good.Key, new string('0', 64)));

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var alerts = await db.SecurityAlerts.AsNoTracking().Where(x => x.Kind == AlertKind.IntegrityFailure).ToListAsync();
        var audited = await db.AuditEntries.AsNoTracking().Where(e => e.Action == AuditAction.BlobIntegrityFailed).ToListAsync();
        Assert.Equal(2 * exchanged + 2, alerts.Count);
        Assert.Equal(alerts.Count, audited.Count);
        Assert.All(cases, c => Assert.Contains(alerts, x => x.Subject == c.Blob.Key));
        Assert.All(audited, e => Assert.Equal(AuditOutcome.Failed, e.Outcome));
    }

    [Theory]
    [InlineData(StoreKind.Local)]
    [InlineData(StoreKind.S3)]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "CRY-01")]
    public async Task Canaries_InStoredFiles_AreNowhereInTheRawDataFolderNorTheBucket(StoreKind storeKind)
    {
        await using var factory = await CreateAsync(DatabaseKind.Sqlite, storeKind);
        var store = factory.Services.GetRequiredService<IBlobStore>();
        string[] canaries = ["CANARY-Zhang^San-110101199003077777", "金丝雀-张三-病历号-98765", "CANARY-chunk-boundary-marker"];
        var random = new Random(3);
        foreach (var canary in canaries)
        {
            // Each canary in compressible text, in random bytes, and straddling a chunk boundary.
            var text = string.Concat(Enumerable.Repeat(canary + " ", 20_000));
            await store.PutAsync(System.Text.Encoding.UTF8.GetBytes(text));
            var noise = new byte[3 * BlobEnvelope.ChunkSize];
            random.NextBytes(noise);
            System.Text.Encoding.UTF8.GetBytes(canary).CopyTo(noise, BlobEnvelope.ChunkSize - 10);
            await store.PutAsync(noise, new BlobPutOptions { Compression = BlobCompressionMode.None });
            await store.PutAsync(new MemoryStream(System.Text.Encoding.Unicode.GetBytes(text)), BlobPutOptions.Default);
        }

        var needles = canaries.SelectMany(c => new[] { System.Text.Encoding.UTF8.GetBytes(c), System.Text.Encoding.Unicode.GetBytes(c) }).ToList();
        var raw = storeKind == StoreKind.S3 ? (await S3rverServer.SharedAsync()).Directory : factory.DataDirectory;
        var files = Directory.GetFiles(factory.DataDirectory, "*", SearchOption.AllDirectories).Concat(Directory.GetFiles(raw, "*", SearchOption.AllDirectories)).Distinct().ToList();
        Assert.True(files.Count(f => f.Contains($"{Path.DirectorySeparatorChar}blobs{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) >= 9, "the blobs must be where the test looks");
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            foreach (var needle in needles)
            {
                Assert.True(bytes.AsSpan().IndexOf(needle) < 0, $"{file} holds a canary in clear");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("TestPlan", "REL-01")]
    public async Task Sweeper_RemovesTempFilesAndFilesWithoutARow_AfterTheGrace_AndKeepsCommittedBlobs(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind, settings: new Dictionary<string, string?> { ["Storage:OrphanGraceSeconds"] = "60" });
        _ = factory.Server;
        var store = factory.Services.GetRequiredService<IBlobStore>();
        var target = factory.Services.GetRequiredService<LocalBlobTarget>();
        var kept = await store.PutAsync("committed"u8.ToArray());

        // What a crash leaves: a file renamed into place whose row never came, and a temp file.
        var orphanKey = Guid.CreateVersion7().ToString("N");
        await using (var write = await target.BeginWriteAsync(orphanKey, null, CancellationToken.None))
        {
            await write.Content.WriteAsync("sealed bytes without a row"u8.ToArray());
            await write.CommitAsync(CancellationToken.None);
        }

        var freshOrphan = Guid.CreateVersion7().ToString("N");
        await using (var write = await target.BeginWriteAsync(freshOrphan, null, CancellationToken.None))
        {
            await write.CommitAsync(CancellationToken.None);
        }

        var temp = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(target.PathOf(orphanKey))!)!)!, ".tmp", orphanKey + ".x.tmp");
        await File.WriteAllBytesAsync(temp, [1, 2, 3]);
        var old = TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(-5);
        foreach (var path in new[] { target.PathOf(orphanKey), temp, target.PathOf(kept.Key) })
        {
            File.SetLastWriteTimeUtc(path, old);
        }

        var swept = await factory.Services.GetRequiredService<BlobSweeper>().SweepAsync(CancellationToken.None);

        Assert.Equal(new BlobSweeper.Result(1, 1), swept);
        Assert.False(File.Exists(target.PathOf(orphanKey)));
        Assert.False(File.Exists(temp));
        Assert.True(File.Exists(target.PathOf(freshOrphan)), "a file younger than the grace may be a write in progress");
        Assert.Equal("committed"u8.ToArray(), await store.GetAsync(kept.Key, kept.Sha256));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "CRY-03")]
    public async Task Rotation_InterruptedAfterOneBatch_KeepsEveryBlobReadable_AndResumingMovesTheRest(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        _ = factory.Server;
        var store = factory.Services.GetRequiredService<IBlobStore>();
        var blobs = new List<(StoredBlob Blob, byte[] Content)>();
        for (var i = 0; i < KeyRewrapper.BatchSize + 50; i++)
        {
            var content = System.Text.Encoding.UTF8.GetBytes($"blob {i}");
            blobs.Add((await store.PutAsync(content), content));
        }

        var ring = factory.Services.GetRequiredService<KeyRing>();
        var first = await ring.ActiveAsync(CancellationToken.None);
        var second = await ring.RotateAsync(CancellationToken.None);
        Assert.NotEqual(first, second);

        // Stopped after the first batch, as a kill would stop it.
        using var stop = new CancellationTokenSource();
        var rewrapper = factory.Services.GetRequiredService<KeyRewrapper>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rewrapper.RewrapAsync(new SynchronousProgress(_ => stop.Cancel()), stop.Token));
        Assert.Equal(KeyRewrapper.BatchSize, await CountUnderAsync(factory, second));
        Assert.Equal(50, await CountUnderAsync(factory, first));
        var written = await store.PutAsync("after the rotation"u8.ToArray());
        foreach (var (blob, content) in blobs)
        {
            Assert.Equal(content, await store.GetAsync(blob.Key, blob.Sha256));
        }

        Assert.Equal(50, await rewrapper.RewrapAsync(null, CancellationToken.None));
        Assert.Equal(blobs.Count + 1, await CountUnderAsync(factory, second));
        Assert.Equal("after the rotation"u8.ToArray(), await store.GetAsync(written.Key, written.Sha256));
        foreach (var (blob, content) in blobs)
        {
            Assert.Equal(content, await store.GetAsync(blob.Key, blob.Sha256));
        }
    }

    [Fact]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "CRY-03")]
    public async Task KeysRotateVerb_KilledMidway_ResumesWithResume_AndOldBlobsStayReadable()
    {
        List<(StoredBlob Blob, byte[] Content)> blobs = [];
        using var data = new TempDirectory();
        var settings = new Dictionary<string, string?> { ["Data:Directory"] = data.Path };
        await using (var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite, settings: settings))
        {
            _ = factory.Server;
            var store = factory.Services.GetRequiredService<IBlobStore>();
            for (var i = 0; i < 2 * KeyRewrapper.BatchSize + 10; i++)
            {
                var content = RandomNumberGenerator.GetBytes(100 + i);
                blobs.Add((await store.PutAsync(content), content));
            }
        }

        // SIGKILL right after the first batch commits (the test-only crash hook).
        var killed = await ServerProcess.RunCliAsync(["keys", "rotate", "--data", data.Path], new Dictionary<string, string?> { ["TRABECULA_CRASH_AT"] = "rewrap-batch:1" });
        Assert.Equal(137, killed.ExitCode);
        var resumed = await ServerProcess.RunCliAsync(["keys", "rotate", "--resume", "--data", data.Path]);
        Assert.True(resumed.ExitCode == 0, resumed.StandardError);
        Assert.Contains($"{KeyRewrapper.BatchSize + 10} data key(s) re-wrapped", resumed.StandardOutput, StringComparison.Ordinal);

        await using (var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite, settings: settings))
        {
            _ = factory.Server;
            var store = factory.Services.GetRequiredService<IBlobStore>();
            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
            Assert.Equal(2, await db.KeyEncryptionKeys.CountAsync());
            Assert.Equal(1, await db.Blobs.Select(b => b.KekId).Distinct().CountAsync());
            Assert.Equal(1, await db.AuditEntries.CountAsync(e => e.Action == AuditAction.KeysRotated));
            foreach (var (blob, content) in blobs)
            {
                Assert.Equal(content, await store.GetAsync(blob.Key, blob.Sha256));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("TestPlan", "REL-01")]
    public async Task Sweeper_OnS3_RemovesObjectsWithoutARow_OnceOlderThanTheGrace(DatabaseKind kind)
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var factory = await CreateAsync(kind, StoreKind.S3, new Dictionary<string, string?> { ["Storage:OrphanGraceSeconds"] = "3600" }, clock);
        var store = factory.Services.GetRequiredService<IBlobStore>();
        var target = factory.Services.GetRequiredService<BlobTargets>().Write;
        var kept = await store.PutAsync("committed"u8.ToArray());
        var orphan = Guid.CreateVersion7().ToString("N");
        await WriteRawAsync(target, orphan, [1, 2, 3]);
        var sweeper = factory.Services.GetRequiredService<BlobSweeper>();

        Assert.Equal(new BlobSweeper.Result(0, 0), await sweeper.SweepAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(new BlobSweeper.Result(0, 1), await sweeper.SweepAsync(CancellationToken.None));

        Assert.Null(await target.OpenReadAsync(orphan, 0, null, CancellationToken.None));
        Assert.Equal("committed"u8.ToArray(), await store.GetAsync(kept.Key, kept.Sha256));
    }

    private static async Task<int> CountUnderAsync(TrabeculaFactory factory, Guid kek)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>().Blobs.CountAsync(b => b.KekId == kek);
    }

    private static Task EditAsync(IBlobTarget target, StoredBlob blob, Action<byte[]> edit) =>
        EditAsync(target, blob, bytes =>
        {
            edit(bytes);
            return bytes;
        });

    /// <summary>Changes the stored bytes behind the store's back, as someone with access to the disk or the bucket would.</summary>
    private static async Task EditAsync(IBlobTarget target, StoredBlob blob, Func<byte[], byte[]> edit) =>
        await WriteRawAsync(target, blob.Key, edit(await ReadRawAsync(target, blob.Key)));

    internal static async Task<byte[]> ReadRawAsync(IBlobTarget target, string key)
    {
        await using var stream = await target.OpenReadAsync(key, 0, null, CancellationToken.None) ?? throw new FileNotFoundException(key);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    internal static async Task WriteRawAsync(IBlobTarget target, string key, byte[] bytes)
    {
        await target.DeleteAsync(key, temporary: false, CancellationToken.None);
        await using var write = await target.BeginWriteAsync(key, bytes.Length, CancellationToken.None);
        await write.Content.WriteAsync(bytes);
        await write.CommitAsync(CancellationToken.None);
    }

    private static IEnumerable<(int Offset, int Count)> Ranges(int size, Random random)
    {
        yield return (0, size);
        yield return (size, 0);
        if (size > 2)
        {
            yield return (1, size - 2);
            for (var i = 0; i < 4; i++)
            {
                var offset = random.Next(size);
                yield return (offset, random.Next(size - offset + 1));
            }
        }
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; the interruption must happen before the next batch.</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
