using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Infrastructure.Storage;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Storage;

/// <summary>
/// How a blob's file reaches the disk: the local target's O_DIRECT writer and an upload part's
/// O_DIRECT appender (every length, aligned or not, and file systems that refuse the flag), and a SaveWith put whose file commit runs
/// beside the caller's rows but never lets them commit first.
/// </summary>
public sealed class BlobCommitTests
{
    public static TheoryData<DatabaseKind> Databases => new() { DatabaseKind.Sqlite, DatabaseKind.PostgreSql };

    [Fact]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("TestPlan", "REL-01")]
    public async Task DirectBlobFile_WritesEveryLengthAlignedOrNot_ByteForByte_OnTheDiskAndOnTmpfs()
    {
        var random = new Random(11);
        await OnTheDiskAndOnTmpfsAsync("trabecula-direct", folder =>
        {
            foreach (var size in new[] { 0, 1, 4095, 4096, 4097, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, (3 << 20) + 777 })
            {
                var content = new byte[size];
                random.NextBytes(content);
                var path = Path.Combine(folder, $"blob-{size}");
                using (var file = new DirectBlobFile(new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 0 })))
                {
                    // The sealer's pieces: a 64 KiB chunk and its tag, never aligned.
                    for (var offset = 0; offset < size; offset += 65_552)
                    {
                        file.Write(content.AsSpan(offset, Math.Min(65_552, size - offset)));
                    }

                    file.Flush();
                    file.FlushToDisk();
                }

                Assert.Equal(content, File.ReadAllBytes(path));
            }

            return Task.CompletedTask;
        });
    }

    [Fact]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "REL-01")]
    public async Task DirectAppendFile_AppendsOverManyOpens_CutsBackAtEachOpen_ByteForByte_OnTheDiskAndOnTmpfs()
    {
        var random = new Random(13);
        await OnTheDiskAndOnTmpfsAsync("trabecula-append", async folder =>
        {
            var path = Path.Combine(folder, "part");
            var expected = new List<byte>();
            File.WriteAllBytes(path, []);

            // Requests as a tus upload makes them: small and large, ending on and off 4 KiB and
            // buffer boundaries, some with bytes past the acknowledged length (a request that
            // did not commit), which the next open must overwrite.
            foreach (var (size, acknowledged) in new[] { (32, true), (4064, true), (1, true), (70_000, false), (65_552 * 40 + 3, true), (0, true), (9 << 20, true), ((2 << 20) - 5, false), (77_777, true), ((33 << 20) + 4097, true) })
            {
                var piece = new byte[size];
                random.NextBytes(piece);
                using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
                {
                    RandomAccess.SetLength(handle, expected.Count); // what the caller's open does: cut back to the acknowledged bytes
                    using var file = new DirectAppendFile(handle, expected.Count);
                    for (var offset = 0; offset < size; offset += 65_552)
                    {
                        await file.WriteAsync(piece.AsMemory(offset, Math.Min(65_552, size - offset)));
                    }

                    await file.Complete();
                    Assert.Equal(expected.Count + size, file.Length);
                    Assert.Equal(file.Length, RandomAccess.GetLength(handle));
                }

                if (acknowledged)
                {
                    expected.AddRange(piece);
                }
            }

            using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
            {
                RandomAccess.SetLength(handle, expected.Count);
            }

            Assert.Equal(expected.ToArray(), File.ReadAllBytes(path));
        });
    }

    /// <summary>Runs <paramref name="test"/> in a folder on the disk, then in one on tmpfs, where O_DIRECT is refused or ignored and the writers must still be right.</summary>
    private static async Task OnTheDiskAndOnTmpfsAsync(string name, Func<string, Task> test)
    {
        using (var temp = new TempDirectory(name))
        {
            await test(temp.Path);
        }

        if (Directory.Exists("/dev/shm"))
        {
            var tmpfs = Directory.CreateDirectory(Path.Combine("/dev/shm", $"{name}-{Guid.NewGuid():N}")).FullName;
            try
            {
                await test(tmpfs);
            }
            finally
            {
                Directory.Delete(tmpfs, recursive: true);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-DATA-2")]
    [Trait("TestPlan", "REL-01")]
    public async Task SaveWith_TheFileCommitsBesideTheRows_AndASaveOutsideATransactionWaitsForIt(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        _ = factory.Server;
        var store = factory.Services.GetRequiredService<IBlobStore>();
        var content = new byte[700_001];
        new Random(12).NextBytes(content);

        StoredBlob stored;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
            stored = await store.PutAsync(content, new BlobPutOptions { SaveWith = db, Compression = BlobCompressionMode.None });

            // The row is only in the caller's context until it saves; the save waits for the file.
            await db.SaveChangesAsync();
        }

        Assert.Equal(content, await store.GetAsync(stored.Key, stored.Sha256));
    }
}
