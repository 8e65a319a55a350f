using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Server.Data;
using Trabecula.Server.Infrastructure.Keys;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>Told of every blob that fails its integrity check, before the read fails (features raise the alert and audit it).</summary>
public interface IBlobIntegrityObserver
{
    Task OnIntegrityFailureAsync(string key, string reason, Guid? orderId, CancellationToken cancellationToken);
}

/// <summary>
/// The blob store: envelope encryption (a fresh data key per blob, wrapped by the key ring's
/// active KEK), 64 KiB AES-256-GCM chunks (<see cref="BlobEnvelope"/>), SHA-256 of the plaintext
/// while streaming, optional deflate when a sample shows it pays, the residency check before
/// every write, and the Blobs row written only after the target has made the file durable.
/// </summary>
internal sealed class EnvelopeBlobStore(
    BlobTargets targets,
    KeyRing keyRing,
    IServiceScopeFactory scopes,
    IEnumerable<IBlobIntegrityObserver> observers,
    IOptions<StorageOptions> storage,
    TimeProvider time) : IBlobStore
{
    /// <summary>How much of the start is compressed on trial to decide whether compression pays.</summary>
    private const int Sample = 256 * 1024;

    private const double WorthIt = 0.8;

    public Task<StoredBlob> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        PutAsync(content, BlobPutOptions.Default, cancellationToken);

    public async Task<StoredBlob> PutAsync(ReadOnlyMemory<byte> content, BlobPutOptions options, CancellationToken cancellationToken = default)
    {
        using var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);
        return await PutAsync(stream, options, cancellationToken);
    }

    public async Task<StoredBlob> PutAsync(Stream content, BlobPutOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(options);
        var target = targets.Write;
        EnsureResident(target);

        var key = Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
        var kekId = await keyRing.ActiveAsync(cancellationToken);
        var dataKey = RandomNumberGenerator.GetBytes(BlobEnvelope.KeyLength);
        var buffer = ArrayPool<byte>.Shared.Rent(Sample);
        try
        {
            // The first bytes decide compression: read them once, then feed them before the rest.
            var prefix = 0;
            int read;
            while (prefix < Sample && (read = await content.ReadAsync(buffer.AsMemory(prefix, Sample - prefix), cancellationToken)) > 0)
            {
                prefix += read;
            }

            DeflateTrial? trial = null;
            bool compress;
            if (options.Compression == BlobCompressionMode.Auto && storage.Value.AutoCompression && prefix >= 4096)
            {
                trial = DeflateTrial.Run(buffer.AsSpan(0, prefix), WorthIt, out compress);
                if (!compress)
                {
                    await trial.Deflater.DisposeAsync();
                    await trial.DisposeAsync();
                    trial = null;
                }
            }
            else
            {
                compress = options.Compression == BlobCompressionMode.Always;
            }
            long? expected = content.CanSeek ? content.Length - content.Position + prefix + (prefix / BlobEnvelope.ChunkSize + 2) * BlobEnvelope.TagLength : null;

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long length = 0;
            long stored;
            Task? committing = null;
            var write = await target.BeginWriteAsync(key, expected, cancellationToken);
            try
            {
                try
                {
                    using var sealer = new ChunkSealingStream(write.Content, dataKey, BlobEnvelope.Header(BlobEnvelope.BlobId(key), compress));
                    await sealer.StartAsync(cancellationToken);
                    Stream sink;
                    if (trial is not null)
                    {
                        // The trial's deflater already holds the prefix: its output goes first, then the rest follows it.
                        await trial.ForwardToAsync(sealer, cancellationToken);
                        sink = trial.Deflater;
                    }
                    else
                    {
                        sink = compress ? new ZLibStream(sealer, CompressionLevel.Fastest, leaveOpen: true) : (Stream)sealer;
                    }

                    try
                    {
                        length = await PlaintextCopy.CopyAsync(content, buffer, prefix, sink, hash, cancellationToken, prefixWritten: trial is not null);
                    }
                    finally
                    {
                        if (compress)
                        {
                            await sink.DisposeAsync(); // writes the deflate trailer into the sealer
                        }

                        trial?.Dispose();
                    }

                    await sealer.CompleteAsync(cancellationToken);
                    stored = sealer.StoredLength;
                }
                catch (IOException ex) when (LocalBlobTarget.IsDiskFull(ex))
                {
                    throw new BlobStorageFullException("The blob store's disk is full.", ex);
                }

                CrashPoints.Hit("blob-written");
                if (options.SaveWith is { } saver)
                {
                    // The file is made durable on another thread while the caller writes its rows;
                    // the caller's transaction waits for it before it commits (TrabeculaDbContext.AddBlobCommit).
                    committing = Task.Run(() => CommitAndCloseAsync(write), CancellationToken.None);
                    saver.AddBlobCommit(committing);
                }
                else
                {
                    await write.CommitAsync(cancellationToken);
                }
            }
            finally
            {
                if (committing is null)
                {
                    await write.DisposeAsync();
                }
            }

            if (committing is null)
            {
                CrashPoints.Hit("blob-committed");
            }

            var sha = Convert.ToHexStringLower(hash.GetHashAndReset());
            var row = new BlobRecord
            {
                Key = key,
                WrappedKey = await keyRing.WrapAsync(kekId, dataKey, key, cancellationToken),
                KekId = kekId,
                Length = length,
                StoredLength = stored,
                Sha256 = sha,
                Compression = compress ? BlobCompression.Deflate : BlobCompression.None,
                Sensitivity = options.Sensitivity,
                Category = options.Category,
                OrderId = options.OrderId,
                Target = target.Name,
                Region = target.Region,
                CreatedAt = time.GetUtcNow().UtcDateTime,
            };
            if (options.SaveWith is { } caller)
            {
                caller.Blobs.Add(row);
                return new StoredBlob(key, length, sha);
            }

            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
                db.Blobs.Add(row);
                await db.SaveChangesAsync(cancellationToken);
            }

            CrashPoints.Hit("blob-row");
            return new StoredBlob(key, length, sha);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>Commits a handed-off write (not cancelled: the file ends durable or deleted) and closes it.</summary>
    private static async Task CommitAndCloseAsync(IBlobWrite write)
    {
        await using (write)
        {
            await write.CommitAsync(CancellationToken.None);
        }

        CrashPoints.Hit("blob-committed");
    }

    public async Task<byte[]> GetAsync(string key, string sha256, CancellationToken cancellationToken = default)
    {
        await using var stream = await OpenReadAsync(key, sha256, 0, null, cancellationToken);
        var bytes = new byte[checked((int)stream.Length)];
        var filled = 0;
        while (filled < bytes.Length)
        {
            var read = await stream.ReadAsync(bytes.AsMemory(filled), cancellationToken);
            filled += read; // the verifying stream throws rather than end early
        }

        // An empty blob is verified by asking for the end.
        if (bytes.Length == 0)
        {
            _ = await stream.ReadAsync(Memory<byte>.Empty, cancellationToken);
        }

        return bytes;
    }

    public async Task<BlobReadStream> OpenReadAsync(string key, string sha256, long offset = 0, long? count = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!BlobEnvelope.IsKey(key))
        {
            throw new BlobIntegrityException(key, "not a blob key");
        }

        BlobRecord? row;
        await using (var scope = scopes.CreateAsyncScope())
        {
            row = await scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>().Blobs.AsNoTracking().SingleOrDefaultAsync(b => b.Key == key, cancellationToken);
        }

        if (row is null)
        {
            await FailAsync(key, "no such blob", null, cancellationToken);
        }

        if (!string.Equals(row!.Sha256, sha256, StringComparison.Ordinal))
        {
            await FailAsync(key, "the caller's SHA-256 differs from the recorded one", row.OrderId, cancellationToken);
        }

        var target = targets.Find(row.Target);
        if (target is null)
        {
            await FailAsync(key, $"its storage target '{row.Target}' is not configured", row.OrderId, cancellationToken);
        }

        var take = count ?? row.Length - offset;
        if (offset < 0 || take < 0 || offset + take > row.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), "The range lies outside the blob.");
        }

        byte[] dataKey;
        try
        {
            dataKey = await keyRing.UnwrapAsync(row.KekId, row.WrappedKey, key, cancellationToken);
        }
        catch (CryptographicException ex)
        {
            await FailAsync(key, "the data key does not unwrap: " + ex.Message, row.OrderId, cancellationToken);
            throw;
        }

        Task OnFailure(BlobIntegrityException failure) => NotifyAsync(failure, row.OrderId, CancellationToken.None);
        try
        {
            var compressed = row.Compression == BlobCompression.Deflate;
            var firstChunk = compressed ? 0 : offset / BlobEnvelope.ChunkSize;
            var skip = compressed ? offset : offset % BlobEnvelope.ChunkSize;
            var whole = offset == 0 && take == row.Length;

            var header = new byte[BlobEnvelope.HeaderLength];
            Stream? source;
            if (firstChunk == 0)
            {
                source = await target!.OpenReadAsync(key, 0, null, cancellationToken);
                if (source is not null && await ReadFullyAsync(source, header, cancellationToken) < header.Length)
                {
                    await source.DisposeAsync();
                    await FailAsync(key, "truncated (header)", row.OrderId, cancellationToken);
                }
            }
            else
            {
                await using (var head = await target!.OpenReadAsync(key, 0, BlobEnvelope.HeaderLength, cancellationToken))
                {
                    if (head is null || await ReadFullyAsync(head, header, cancellationToken) < header.Length)
                    {
                        await FailAsync(key, head is null ? "the file is missing" : "truncated (header)", row.OrderId, cancellationToken);
                    }
                }

                source = await target!.OpenReadAsync(key, BlobEnvelope.HeaderLength + firstChunk * BlobEnvelope.StoredChunkLength, null, cancellationToken);
            }

            if (source is null)
            {
                await FailAsync(key, "the file is missing", row.OrderId, cancellationToken);
            }

            try
            {
                if (BlobEnvelope.ReadHeader(header, BlobEnvelope.BlobId(key), key) != compressed)
                {
                    throw new BlobIntegrityException(key, "the header's compression flag differs from the record");
                }
            }
            catch (BlobIntegrityException failure)
            {
                await source!.DisposeAsync();
                await NotifyAsync(failure, row.OrderId, CancellationToken.None);
                throw;
            }

            Stream plain = new ChunkOpeningStream(source!, dataKey, header, firstChunk, key, OnFailure);
            if (compressed)
            {
                plain = new ZLibStream(plain, CompressionMode.Decompress);
            }

            var verifying = new VerifyingStream(plain, skip, take, row.Length, whole ? row.Sha256 : null, key, OnFailure);
            return new BlobReadStream(verifying, row.Length, row.Sha256, offset);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        if (!BlobEnvelope.IsKey(key))
        {
            return;
        }

        string? targetName;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
            targetName = await db.Blobs.Where(b => b.Key == key).Select(b => b.Target).SingleOrDefaultAsync(cancellationToken);
            await db.Blobs.Where(b => b.Key == key).ExecuteDeleteAsync(cancellationToken);
        }

        // Row first: if the process dies here, the file is an orphan the sweeper removes.
        if (targetName is not null && targets.Find(targetName) is { } target)
        {
            await target.DeleteAsync(key, temporary: false, cancellationToken);
        }
    }

    private void EnsureResident(IBlobTarget target) => EnsureResident(target, storage.Value);

    /// <summary>R-XFER-4: checked before every write as well as at start-up (the allow-list may be reloaded).</summary>
    internal static void EnsureResident(IBlobTarget target, StorageOptions storage)
    {
        if (!StorageOptions.IsAllowed(target.Region, storage.EffectiveAllowedRegions))
        {
            throw new BlobResidencyException($"The storage target '{target.Name}' is in region '{target.Region}', outside Storage:AllowedRegions; nothing was stored.");
        }
    }

    private static async Task<int> ReadFullyAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
        {
            filled += read;
        }

        return filled;
    }

    private async Task FailAsync(string key, string reason, Guid? orderId, CancellationToken cancellationToken)
    {
        var failure = new BlobIntegrityException(key, reason);
        await NotifyAsync(failure, orderId, cancellationToken);
        throw failure;
    }

    private async Task NotifyAsync(BlobIntegrityException failure, Guid? orderId, CancellationToken cancellationToken)
    {
        foreach (var observer in observers)
        {
            await observer.OnIntegrityFailureAsync(failure.Key, failure.Reason, orderId, cancellationToken);
        }
    }
}
