using System.Buffers;
using System.Security.Cryptography;
using Trabecula.Server.Infrastructure.Keys;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Uploads;

/// <summary>How a PATCH body ended.</summary>
internal enum AppendOutcome
{
    /// <summary>The body arrived whole.</summary>
    Complete,

    /// <summary>The connection dropped: what arrived is sealed and may be kept (tus resumes from it).</summary>
    Disconnected,

    /// <summary>The body ran past the upload's length.</summary>
    TooLong,
}

/// <summary>What one PATCH appended; <see cref="SealedTail"/> is the new unfinished chunk for the row (null if none).</summary>
internal sealed record Appended(AppendOutcome Outcome, long Received, bool Finished, byte[]? SealedTail, long StoredLength);

/// <summary>
/// Uploads sealed as they arrive, so that the last byte makes a blob without a second pass. The
/// part file is the blob in the making, in the blob store's format (<see cref="BlobEnvelope"/>),
/// under a fresh data key per key generation; its blob id is the part key. Every whole 64 KiB
/// chunk is sealed as soon as it is in (the upload's length is known from its creation, so the
/// one final chunk is known too); the unfinished chunk is sealed in the row. The database commit
/// of each PATCH is the switch: the part is fsynced first, and what lies past the acknowledged
/// chunks is cut off when the part is next opened. Nonces: see <see cref="UploadSession"/>.
/// </summary>
internal sealed class SealedUploads(KeyRing keyRing, UploadSpool spool, TimeProvider time)
{
    /// <summary>How much of a PATCH body is gathered before it is sealed and written: one write syscall per MiB.</summary>
    internal const int WriteBlock = 1 << 20;

    private const int ChunksPerBlock = WriteBlock / BlobEnvelope.ChunkSize;

    /// <summary>The length of the part when <paramref name="offset"/> bytes of an unfinished upload are acknowledged.</summary>
    public static long CommittedLength(long offset) => BlobEnvelope.StoredOffset(offset / BlobEnvelope.ChunkSize);

    /// <summary>
    /// A fresh data key and part key for <paramref name="upload"/>: the acknowledged chunks are
    /// read from the old part (authenticated), hashed and sealed again into a new part, the tail
    /// re-sealed, the new part fsynced, and the row's key fields set (the caller commits; the
    /// old part is deleted after that). The same pass rebuilds the SHA-256 after a restart.
    /// </summary>
    public async Task<(UploadSession Session, string? PreviousPart)> StartGenerationAsync(Upload upload, CancellationToken cancellationToken)
    {
        var partKey = Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
        var dataKey = RandomNumberGenerator.GetBytes(BlobEnvelope.KeyLength);
        try
        {
            var kekId = await keyRing.ActiveAsync(cancellationToken);
            var wrapped = await keyRing.WrapAsync(kekId, dataKey, partKey, cancellationToken);
            var session = new UploadSession(upload.KeyGeneration + 1, partKey, dataKey);
            try
            {
                byte[]? tail = null;
                await using (var part = spool.Create(upload.Id, partKey))
                {
                    await part.WriteAsync(session.Header, cancellationToken);
                    if (upload.Offset > 0)
                    {
                        tail = await ResealAsync(upload, session, part, cancellationToken);
                    }

                    part.Flush(flushToDisk: true);
                }

                var previous = upload.PartKey;
                upload.KeyGeneration = session.Generation;
                upload.PartKey = partKey;
                upload.WrappedKey = wrapped;
                upload.KekId = kekId;
                upload.Tail = tail;
                return (session, previous);
            }
            catch
            {
                session.Dispose();
                File.Delete(spool.PathOf(upload.Id, partKey));
                throw;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>The old generation's acknowledged bytes, opened and sealed again under the new session; returns the new sealed tail.</summary>
    private async Task<byte[]?> ResealAsync(Upload upload, UploadSession session, FileStream part, CancellationToken cancellationToken)
    {
        if (upload.PartKey is null || upload.WrappedKey is null || upload.KekId is not { } kekId)
        {
            throw new BlobIntegrityException(upload.Id.ToString("N"), "the upload has acknowledged bytes but no key");
        }

        var oldKey = await keyRing.UnwrapAsync(kekId, upload.WrappedKey, upload.PartKey, cancellationToken);
        var chunks = upload.Offset / BlobEnvelope.ChunkSize;
        var tailLength = (int)(upload.Offset % BlobEnvelope.ChunkSize);
        var input = ArrayPool<byte>.Shared.Rent(ChunksPerBlock * BlobEnvelope.StoredChunkLength);
        var output = ArrayPool<byte>.Shared.Rent(ChunksPerBlock * BlobEnvelope.StoredChunkLength);
        var plain = ArrayPool<byte>.Shared.Rent(BlobEnvelope.ChunkSize);
        try
        {
            using var oldChunks = new AesGcm(oldKey, BlobEnvelope.TagLength);
            var oldHeader = BlobEnvelope.Header(BlobEnvelope.BlobId(upload.PartKey), compressed: false);
            await using (var source = spool.OpenRead(upload.Id, upload.PartKey))
            {
                var header = new byte[BlobEnvelope.HeaderLength];
                await ReadExactlyAsync(source, header, upload.PartKey, cancellationToken);
                BlobEnvelope.ReadHeader(header, BlobEnvelope.BlobId(upload.PartKey), upload.PartKey);
                for (long index = 0; index < chunks;)
                {
                    var batch = (int)Math.Min(ChunksPerBlock, chunks - index);
                    await ReadExactlyAsync(source, input.AsMemory(0, batch * BlobEnvelope.StoredChunkLength), upload.PartKey, cancellationToken);
                    for (var i = 0; i < batch; i++, index++)
                    {
                        try
                        {
                            BlobEnvelope.Open(oldChunks, oldHeader, index, final: false, input.AsSpan(i * BlobEnvelope.StoredChunkLength, BlobEnvelope.StoredChunkLength), plain);
                        }
                        catch (AuthenticationTagMismatchException)
                        {
                            throw new BlobIntegrityException(upload.PartKey, $"chunk {index} of the upload's part failed authentication");
                        }

                        session.Sha256.AppendData(plain, 0, BlobEnvelope.ChunkSize);
                        BlobEnvelope.Seal(session.Chunks, session.Header, index, final: false, plain.AsSpan(0, BlobEnvelope.ChunkSize), output.AsSpan(i * BlobEnvelope.StoredChunkLength));
                    }

                    await part.WriteAsync(output.AsMemory(0, batch * BlobEnvelope.StoredChunkLength), cancellationToken);
                }
            }

            if (tailLength == 0)
            {
                return null;
            }

            using var oldTail = UploadSession.TailGcm(oldKey);
            UploadSession.OpenTail(oldTail, upload.Tail, upload.Id, upload.Offset, tailLength, plain);
            return UploadSession.SealTail(session.TailCipher, plain.AsSpan(0, tailLength), upload.Id, upload.Offset);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(oldKey);
            ArrayPool<byte>.Shared.Return(plain, clearArray: true);
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    /// <summary>
    /// Reads the body, seals every chunk that is whole (and the final one when the last byte is
    /// in) and appends it to the part, which is fsynced before returning. A read error ends the
    /// body as <see cref="AppendOutcome.Disconnected"/>; a write error is thrown (the caller
    /// throws the sealed chunks away and drops the session).
    /// </summary>
    public async Task<Appended> AppendAsync(Upload upload, UploadSession session, Stream body, IncrementalHash? checksum, CancellationToken cancellationToken)
    {
        var remaining = upload.Length - upload.Offset;
        var lastIndex = (upload.Length - 1) / BlobEnvelope.ChunkSize;
        var index = upload.Offset / BlobEnvelope.ChunkSize;
        var plain = ArrayPool<byte>.Shared.Rent(WriteBlock + BlobEnvelope.ChunkSize);
        var output = ArrayPool<byte>.Shared.Rent((ChunksPerBlock + 1) * BlobEnvelope.StoredChunkLength);
        try
        {
            var capacity = WriteBlock + BlobEnvelope.ChunkSize;
            var pending = (int)(upload.Offset % BlobEnvelope.ChunkSize);
            if (pending > 0)
            {
                UploadSession.OpenTail(session.TailCipher, upload.Tail, upload.Id, upload.Offset, pending, plain);
            }

            var committed = CommittedLength(upload.Offset);
            await using var part = spool.OpenAppend(upload.Id, session.PartKey, committed);
            using var appender = new DirectAppendFile(part.SafeFileHandle, committed);
            long received = 0;
            var outcome = AppendOutcome.Complete;
            while (true)
            {
                int read;
                try
                {
                    read = await body.ReadAsync(plain.AsMemory(pending, capacity - pending), cancellationToken);
                }
                catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
                {
                    return new Appended(AppendOutcome.TooLong, received, false, null, 0); // a chunked body past Upload-Length
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or BadHttpRequestException)
                {
                    outcome = AppendOutcome.Disconnected;
                    break;
                }

                if (read == 0)
                {
                    break;
                }

                if (received + read > remaining)
                {
                    return new Appended(AppendOutcome.TooLong, received, false, null, 0);
                }

                checksum?.AppendData(plain, pending, read);
                received += read;
                pending += read;
                if (pending >= WriteBlock)
                {
                    pending = await SealReadyAsync(session, appender, plain, pending, output, upload.Offset + received == upload.Length, lastIndex, index);
                    index = (upload.Offset + received - pending) / BlobEnvelope.ChunkSize;
                }
            }

            // Once the body is in (or the client gone) nothing is cancelled any more: what is sealed is also written and synced.
            var finished = upload.Offset + received == upload.Length;
            pending = await SealReadyAsync(session, appender, plain, pending, output, finished, lastIndex, index);
            await appender.Complete();
            part.Flush(flushToDisk: true);
            Writeback.Release(part.SafeFileHandle, 0, appender.Length); // where the page cache was used after all
            var tail = pending > 0 ? UploadSession.SealTail(session.TailCipher, plain.AsSpan(0, pending), upload.Id, upload.Offset + received) : null;
            return new Appended(outcome, received, finished, tail, appender.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(plain, clearArray: true); // plaintext of a patient's file
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    /// <summary>Seals the whole chunks at the start of <paramref name="plain"/> and writes them; returns how many bytes are left (moved to its start).</summary>
    private static async Task<int> SealReadyAsync(UploadSession session, DirectAppendFile part, byte[] plain, int pending, byte[] output, bool finished, long lastIndex, long index)
    {
        var consumed = 0;
        var written = 0;
        while (index <= lastIndex)
        {
            var take = Math.Min(BlobEnvelope.ChunkSize, pending - consumed);
            var final = index == lastIndex;
            if (take < BlobEnvelope.ChunkSize && !(final && finished))
            {
                break;
            }

            session.Sha256.AppendData(plain, consumed, take);
            written += BlobEnvelope.Seal(session.Chunks, session.Header, index, final, plain.AsSpan(consumed, take), output.AsSpan(written));
            consumed += take;
            index++;
        }

        if (written > 0)
        {
            await part.WriteAsync(output.AsMemory(0, written));
        }

        plain.AsSpan(consumed, pending - consumed).CopyTo(plain);
        return pending - consumed;
    }

    private static async Task ReadExactlyAsync(Stream source, Memory<byte> buffer, string key, CancellationToken cancellationToken)
    {
        try
        {
            await source.ReadExactlyAsync(buffer, cancellationToken);
        }
        catch (EndOfStreamException)
        {
            throw new BlobIntegrityException(key, "the upload's part file is shorter than its acknowledged chunks");
        }
    }
}
