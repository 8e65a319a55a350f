using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Infrastructure.Storage;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Storage;

/// <summary>
/// Reads of more than 8 MiB from the local store go past the page cache in 4 MiB blocks with the
/// next one in flight (<see cref="ReadAheadStream"/>): whole reads and ranges starting anywhere,
/// block boundaries included, give exactly the stored bytes, and a tampered byte still fails.
/// </summary>
public sealed class LongReadTests
{
    [Fact]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "INT-01")]
    public async Task LongReads_WholeAndFromAnyOffset_GiveTheStoredBytes_AndATamperedChunkStillFails()
    {
        await using var factory = await BlobStoreTests.CreateAsync(DatabaseKind.Sqlite, StoreKind.Local);
        var store = factory.Services.GetRequiredService<IBlobStore>();
        var content = RandomNumberGenerator.GetBytes((21 << 20) + 4321);
        var stored = await store.PutAsync(new MemoryStream(content), new BlobPutOptions { Compression = BlobCompressionMode.None });

        Assert.True((await store.GetAsync(stored.Key, stored.Sha256)).AsSpan().SequenceEqual(content));
        var random = new Random(12);
        foreach (var offset in new long[] { 1, 4095, 4096, (4 << 20) - 7, (4 << 20) + 1, 9 << 20, random.Next(content.Length - (9 << 20)) })
        {
            var count = (int)Math.Min(content.Length - offset, (9 << 20) + random.Next(1 << 20));
            await using var range = await store.OpenReadAsync(stored.Key, stored.Sha256, offset, count);
            using var copy = new MemoryStream();
            await range.CopyToAsync(copy);
            Assert.True(copy.ToArray().AsSpan().SequenceEqual(content.AsSpan((int)offset, count)), $"range {offset}+{count} differs");
        }

        var target = factory.Services.GetRequiredService<LocalBlobTarget>();
        var raw = await BlobStoreTests.ReadRawAsync(target, stored.Key);
        raw[raw.Length / 2] ^= 1;
        await BlobStoreTests.WriteRawAsync(target, stored.Key, raw);
        await Assert.ThrowsAsync<BlobIntegrityException>(() => store.GetAsync(stored.Key, stored.Sha256));
    }
}
