using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Infrastructure.Storage;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Storage;

/// <summary>The seekable blob view the zip ingest and large downloads read through, on both databases, compressed and not.</summary>
public sealed class BlobSeekableStreamTests
{
    public static TheoryData<DatabaseKind, BlobCompressionMode> Cases => new()
    {
        { DatabaseKind.Sqlite, BlobCompressionMode.None },
        { DatabaseKind.Sqlite, BlobCompressionMode.Always },
        { DatabaseKind.PostgreSql, BlobCompressionMode.None },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("TestPlan", "INT-01")]
    public async Task SeeksAnywhere_ReadsTheSameBytes_AndATamperedChunkFailsWithoutItsBytes(DatabaseKind kind, BlobCompressionMode compression)
    {
        await using var factory = await BlobStoreTests.CreateAsync(kind, StoreKind.Local);
        var store = factory.Services.GetRequiredService<IBlobStore>();
        var random = new Random(11);
        var content = new byte[7 * BlobEnvelope.ChunkSize + 4321];
        random.NextBytes(content);
        var stored = await store.PutAsync(content, new BlobPutOptions { Compression = compression });

        await using (var view = new BlobSeekableStream(store, stored.Key, stored.Sha256, stored.Length))
        {
            Assert.True(view.CanSeek);
            Assert.Equal(content.Length, view.Length);
            var buffer = new byte[100_000];
            // Backwards, far forwards, short forwards (read on), from the end, and synchronously (what ZipArchive does).
            foreach (var (origin, offset, count, sync) in new[]
            {
                (SeekOrigin.Begin, 400_000L, 20_000, false), (SeekOrigin.Begin, 10L, 5, false), (SeekOrigin.Current, 70_000L, 65_537, true),
                (SeekOrigin.End, -4321L, 4321, false), (SeekOrigin.Begin, 1L, 99_999, true), (SeekOrigin.Current, 1_000L, 1, false),
            })
            {
                var at = view.Seek(offset, origin);
                var filled = 0;
                while (filled < count)
                {
                    var read = sync ? view.Read(buffer, filled, count - filled) : await view.ReadAsync(buffer.AsMemory(filled, count - filled));
                    Assert.True(read > 0, $"ended early at {at + filled}");
                    filled += read;
                }

                Assert.Equal(content.AsSpan((int)at, count).ToArray(), buffer.AsSpan(0, count).ToArray());
                Assert.Equal(at + count, view.Position);
            }

            view.Position = content.Length;
            Assert.Equal(0, await view.ReadAsync(buffer));
        }

        if (compression != BlobCompressionMode.None)
        {
            return;
        }

        // A bit flipped in the fourth chunk on disk: reading there fails, and no byte of it is handed out.
        var target = factory.Services.GetRequiredService<BlobTargets>().Write;
        var raw = await BlobStoreTests.ReadRawAsync(target, stored.Key);
        raw[BlobEnvelope.HeaderLength + 3 * BlobEnvelope.StoredChunkLength + 100] ^= 0x04;
        await BlobStoreTests.WriteRawAsync(target, stored.Key, raw);
        await using var tampered = new BlobSeekableStream(store, stored.Key, stored.Sha256, stored.Length);
        tampered.Position = 3L * BlobEnvelope.ChunkSize + 10;
        var into = new byte[1000];
        await Assert.ThrowsAsync<BlobIntegrityException>(async () => await tampered.ReadExactlyAsync(into));
        Assert.All(into, b => Assert.Equal(0, b));
    }
}
