using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Features.Uploads;
using Trabecula.Server.Infrastructure.Keys;
using Trabecula.Server.Infrastructure.Storage;
using Trabecula.Server.Tests.Infrastructure;
using Trabecula.Server.Tests.Storage;

namespace Trabecula.Server.Tests.Uploads;

/// <summary>
/// tus uploads sealed as they arrive: the part file is the blob in the making, the last PATCH
/// adopts it without a second pass, and no AES-GCM nonce is ever used twice under one key, even
/// when sealed chunks are thrown away (a refused piece) or forgotten (a restart).
/// </summary>
public sealed class SealedUploadTests
{
    private const int Chunk = 64 * 1024;
    private const int StoredChunk = Chunk + 16;

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "UP-06")]
    public async Task RefusedPiece_ThenOtherBytesAtTheSameOffset_AreSealedUnderAFreshKey_AndTheBlobHoldsWhatWasAcknowledged(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        using var physician = await SignInAsync(factory);
        var (content, location, id) = await NewUploadAsync(physician, 300_000);
        var spool = factory.Services.GetRequiredService<UploadSpool>();

        using (var first = await TusUploadTests.PatchAsync(physician, location, 0, content.AsMemory(0, 100_000), checksum: true))
        {
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        }

        var before = await RowAsync(factory, id);
        Assert.Equal(1, before.KeyGeneration); // made at creation, kept by the session
        Assert.Equal(12 + (100_000 - Chunk) + 16, before.Tail!.Length); // the unfinished chunk lives sealed in the row
        Assert.Equal(32 + StoredChunk, new FileInfo(spool.PathOf(id, before.PartKey!)).Length);

        // Other bytes with a checksum that fails: chunks 1 and 2 were sealed under the key, then thrown away.
        var decoy = RandomNumberGenerator.GetBytes(150_000);
        using (var refused = await TusUploadTests.PatchAsync(physician, location, 100_000, decoy, checksum: true, corruptChecksum: true))
        {
            Assert.Equal(460, (int)refused.StatusCode);
        }

        var afterRefusal = await RowAsync(factory, id);
        Assert.Equal((100_000L, 1), (afterRefusal.Offset, afterRefusal.KeyGeneration));
        Assert.Equal(32 + StoredChunk, new FileInfo(spool.PathOf(id, before.PartKey!)).Length); // cut back to the acknowledged chunk

        // The real bytes at the same offset: the same chunk indices again, so a fresh key first.
        using (var rest = await TusUploadTests.PatchAsync(physician, location, 100_000, content.AsMemory(100_000), checksum: true))
        {
            Assert.Equal(HttpStatusCode.NoContent, rest.StatusCode);
            Assert.Equal("300000", rest.Headers.GetValues("Upload-Offset").Single());
        }

        var done = await RowAsync(factory, id);
        Assert.Equal(2, done.KeyGeneration);
        Assert.NotEqual(before.PartKey, done.PartKey);
        Assert.Equal(done.PartKey, done.BlobKey);
        var keyRing = factory.Services.GetRequiredService<KeyRing>();
        var oldKey = await keyRing.UnwrapAsync(before.KekId!.Value, before.WrappedKey!, before.PartKey!, CancellationToken.None);
        var newKey = await keyRing.UnwrapAsync(done.KekId!.Value, done.WrappedKey!, done.PartKey!, CancellationToken.None);
        Assert.False(oldKey.AsSpan().SequenceEqual(newKey), "the chunks after the refused piece were sealed under the key that sealed the refused ones");

        await AssertBlobAsync(factory, done, content);
        Assert.Empty(TusUploadTests.Parts(spool, id)); // the old generation's part and the adopted one are gone
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "UP-06")]
    public async Task AfterTheSessionsAreLost_AsByARestart_TheUploadIsReKeyed_AndItsHashRebuilt(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        using var physician = await SignInAsync(factory);
        var (content, location, id) = await NewUploadAsync(physician, 500_000);
        var spool = factory.Services.GetRequiredService<UploadSpool>();

        // On a chunk boundary there is no tail; past it, one.
        (await TusUploadTests.PatchAsync(physician, location, 0, content.AsMemory(0, 2 * Chunk), checksum: false)).Dispose();
        Assert.Null((await RowAsync(factory, id)).Tail);
        (await TusUploadTests.PatchAsync(physician, location, 2 * Chunk, content.AsMemory(2 * Chunk, 200_000 - 2 * Chunk), checksum: false)).Dispose();
        var before = await RowAsync(factory, id);
        Assert.Equal((200_000L, 1), (before.Offset, before.KeyGeneration));

        factory.Services.GetRequiredService<UploadSessions>().Dispose(); // what a restart loses: keys in memory and the running SHA-256

        using (var resumed = await TusUploadTests.PatchAsync(physician, location, 200_000, content.AsMemory(200_000, 100_000), checksum: true))
        {
            Assert.Equal(HttpStatusCode.NoContent, resumed.StatusCode);
        }

        var rekeyed = await RowAsync(factory, id);
        Assert.Equal((300_000L, 2), (rekeyed.Offset, rekeyed.KeyGeneration));
        Assert.Equal(spool.PathOf(id, rekeyed.PartKey!), Assert.Single(TusUploadTests.Parts(spool, id))); // the old part went after the commit

        using (var last = await TusUploadTests.PatchAsync(physician, location, 300_000, content.AsMemory(300_000), checksum: false))
        {
            Assert.Equal(HttpStatusCode.NoContent, last.StatusCode);
        }

        var done = await RowAsync(factory, id);
        Assert.Equal(2, done.KeyGeneration);
        await AssertBlobAsync(factory, done, content);
    }

    [Theory]
    [MemberData(nameof(BlobStoreTests.Stores), MemberType = typeof(BlobStoreTests))]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "UP-06")]
    public async Task EverySize_InPiecesOnAndOffChunkBoundaries_BecomesABlobOfTheTarget_ThatReadsWholeAndInRanges(DatabaseKind kind, StoreKind store)
    {
        await using var factory = await BlobStoreTests.CreateAsync(kind, store);
        using var physician = await SignInAsync(factory);
        var blobs = factory.Services.GetRequiredService<IBlobStore>();
        var random = new Random(28);
        foreach (var (size, pieces) in new (int, int[])[]
        {
            (1, [1]), (Chunk - 1, [Chunk - 1]), (Chunk, [Chunk]), (Chunk + 1, [Chunk, 1]), (3 * Chunk, [Chunk, 2 * Chunk]),
            (5 * Chunk + 12345, [1000, 2 * Chunk, 77, 3 * Chunk + 12345 - 1077]), (20 * Chunk + 5, [(20 * Chunk) + 5]),
        })
        {
            var content = new byte[size];
            random.NextBytes(content);
            var location = await TusUploadTests.CreateAsync(physician, size, null);
            var offset = 0;
            foreach (var piece in pieces)
            {
                using var patched = await TusUploadTests.PatchAsync(physician, location, offset, content.AsMemory(offset, piece), checksum: offset % 2 == 0);
                Assert.True(patched.StatusCode == HttpStatusCode.NoContent, $"{size} bytes, piece at {offset}: {(int)patched.StatusCode}");
                offset += piece;
            }

            var done = await RowAsync(factory, Guid.Parse(location.ToString().Split('/')[^1]));
            Assert.Equal(1, done.KeyGeneration);
            await AssertBlobAsync(factory, done, content);
            await using (var scope = factory.Services.CreateAsyncScope())
            {
                var row = await scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>().Blobs.AsNoTracking().SingleAsync(b => b.Key == done.BlobKey);
                Assert.Equal(store == StoreKind.S3 ? "s3" : "local", row.Target);
            }

            var from = random.Next(size);
            var count = random.Next(size - from + 1);
            await using var range = await blobs.OpenReadAsync(done.BlobKey!, done.Sha256!, from, count);
            using var copy = new MemoryStream();
            await range.CopyToAsync(copy);
            Assert.True(copy.ToArray().AsSpan().SequenceEqual(content.AsSpan(from, count)), $"{size} bytes: range {from}+{count} differs");
        }

        Assert.Empty(Directory.GetFiles(factory.Services.GetRequiredService<UploadSpool>().Folder));
    }

    [Fact]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("TestPlan", "REL-01")]
    public async Task BlobsOnAnotherFileSystem_TheFinishedPartIsCopiedNotLinked_AndReadsRight()
    {
        using var root = new TempDirectory("trabecula-exdev");
        var blobFolder = root.Combine("blobs");
        Directory.CreateDirectory(blobFolder);
        var mount = await ProcessRunner.RunAsync("mount", ["-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", blobFolder]);
        Assert.True(mount.ExitCode == 0, $"this test mounts a tmpfs and needs root (CI runs as root): mount said {mount.StandardError.Trim()}");
        try
        {
            await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite, settings: new Dictionary<string, string?> { ["Storage:Local:Directory"] = blobFolder });
            using var physician = await SignInAsync(factory);
            var (content, location, _) = await NewUploadAsync(physician, 3 * Chunk + 99);
            (await TusUploadTests.PatchAsync(physician, location, 0, content, checksum: true)).Dispose();

            var done = await RowAsync(factory, Guid.Parse(location.ToString().Split('/')[^1]));
            await AssertBlobAsync(factory, done, content);
            Assert.Single(Directory.GetFiles(blobFolder, done.BlobKey!, SearchOption.AllDirectories));
            Assert.Empty(Directory.GetFiles(Path.Combine(blobFolder, ".tmp")));
            Assert.Empty(Directory.GetFiles(factory.Services.GetRequiredService<UploadSpool>().Folder));
        }
        finally
        {
            await ProcessRunner.RunAsync("umount", ["-l", blobFolder]);
        }
    }

    [Fact]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("TestPlan", "INT-01")]
    public async Task ATamperedPart_IsRefusedWhenReKeyed_WithAnIntegrityAlert_AndNothingIsBuiltOnIt()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        using var physician = await SignInAsync(factory);
        var (content, location, id) = await NewUploadAsync(physician, 200_000);
        (await TusUploadTests.PatchAsync(physician, location, 0, content.AsMemory(0, 150_000), checksum: false)).Dispose();
        var row = await RowAsync(factory, id);
        var part = factory.Services.GetRequiredService<UploadSpool>().PathOf(id, row.PartKey!);
        var bytes = await File.ReadAllBytesAsync(part);
        bytes[32 + StoredChunk + 100] ^= 0x40; // a bit of chunk 1
        await File.WriteAllBytesAsync(part, bytes);
        factory.Services.GetRequiredService<UploadSessions>().Dispose();

        using var refused = await TusUploadTests.PatchAsync(physician, location, 150_000, content.AsMemory(150_000), checksum: false);

        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        Assert.Equal("urn:trabecula:problem:internal", (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["type"]);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        Assert.True(await db.SecurityAlerts.AnyAsync(a => a.Subject == row.PartKey), "no integrity alert for the damaged part");
        var after = await db.Uploads.AsNoTracking().SingleAsync(u => u.Id == id);
        Assert.Equal((150_000L, 1, (string?)null), (after.Offset, after.KeyGeneration, after.BlobKey));
        Assert.Equal(0, await db.Blobs.CountAsync(b => b.Category == "Upload"));
    }

    [Fact]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "UP-06")]
    public async Task TwoPatchesOfOneUploadAtOnce_AreTakenOneAfterTheOther_AndTheSecondFindsTheNewOffset()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        using var physician = await SignInAsync(factory);
        var (content, location, _) = await NewUploadAsync(physician, 3 * Chunk);
        var release = new TaskCompletionSource();
        var slow = new HeldBackContent(content.AsMemory(0, 2 * Chunk), Chunk + 10, release.Task);
        using var slowRequest = new HttpRequestMessage(HttpMethod.Patch, location) { Content = slow };
        slowRequest.Headers.Add("Tus-Resumable", "1.0.0");
        slowRequest.Headers.Add("Upload-Offset", "0");
        var first = physician.SendAsync(slowRequest);
        await slow.FirstPartSent.WaitAsync(TimeSpan.FromSeconds(30)); // the server is inside the first body, holding the upload's gate

        // The same offset again while the first is in its body: it waits for the gate instead of sealing the same chunk indices.
        var second = TusUploadTests.PatchAsync(physician, location, 0, content.AsMemory(0, Chunk), checksum: false);
        await Task.Delay(500);
        Assert.False(second.IsCompleted, "the second PATCH did not wait for the first");
        release.SetResult();

        using (var firstDone = await first)
        {
            Assert.Equal(HttpStatusCode.NoContent, firstDone.StatusCode);
        }

        using (var secondDone = await second)
        {
            Assert.Equal(HttpStatusCode.Conflict, secondDone.StatusCode);
            Assert.Equal((2 * Chunk).ToString(System.Globalization.CultureInfo.InvariantCulture), secondDone.Headers.GetValues("Upload-Offset").Single());
        }

        (await TusUploadTests.PatchAsync(physician, location, 2 * Chunk, content.AsMemory(2 * Chunk), checksum: true)).Dispose();
        await AssertBlobAsync(factory, await RowAsync(factory, Guid.Parse(location.ToString().Split('/')[^1])), content);
    }

    /// <summary>A PATCH body that sends its first bytes, then holds the rest back until released.</summary>
    private sealed class HeldBackContent : HttpContent
    {
        private readonly ReadOnlyMemory<byte> _bytes;
        private readonly int _first;
        private readonly Task _release;
        private readonly TaskCompletionSource _firstSent = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HeldBackContent(ReadOnlyMemory<byte> bytes, int first, Task release)
        {
            (_bytes, _first, _release) = (bytes, first, release);
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/offset+octet-stream");
        }

        public Task FirstPartSent => _firstSent.Task;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_bytes[.._first]);
            await stream.FlushAsync();
            _firstSent.TrySetResult();
            await _release;
            await stream.WriteAsync(_bytes[_first..]);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _bytes.Length;
            return true;
        }
    }

    private static async Task<HttpClient> SignInAsync(TrabeculaFactory factory)
    {
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        return await MfaHelper.NewUserSignedInAsync(factory, "dr.li", Roles.Physician, hospital);
    }

    /// <summary>Random bytes and a tus upload of their length: its location and id.</summary>
    private static async Task<(byte[] Content, Uri Location, Guid Id)> NewUploadAsync(HttpClient physician, int length)
    {
        var content = RandomNumberGenerator.GetBytes(length);
        var location = await TusUploadTests.CreateAsync(physician, length, null);
        return (content, location, Guid.Parse(location.ToString().Split('/')[^1]));
    }

    private static async Task<Upload> RowAsync(TrabeculaFactory factory, Guid id)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>().Uploads.AsNoTracking().SingleAsync(u => u.Id == id);
    }

    /// <summary>The finished upload is a stored blob like any other: its row names the upload's key, and a verified read gives the bytes.</summary>
    private static async Task AssertBlobAsync(TrabeculaFactory factory, Upload done, byte[] content)
    {
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), done.Sha256);
        await using var scope = factory.Services.CreateAsyncScope();
        var blob = await scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>().Blobs.AsNoTracking().SingleAsync(b => b.Key == done.BlobKey);
        Assert.Equal((content.LongLength, "Upload", BlobCompression.None), (blob.Length, blob.Category, blob.Compression));
        Assert.Equal(done.WrappedKey, blob.WrappedKey);
        var lastChunk = content.Length % Chunk == 0 ? Chunk : content.Length % Chunk;
        Assert.Equal(32 + (long)((content.Length - lastChunk) / Chunk) * StoredChunk + lastChunk + 16, blob.StoredLength);
        var read = await factory.Services.GetRequiredService<IBlobStore>().GetAsync(done.BlobKey!, done.Sha256!);
        Assert.True(read.AsSpan().SequenceEqual(content), "the blob's bytes differ from the upload's");
    }
}
