using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// The stored form of a blob: a 32-byte header, then the (optionally compressed) content cut into
/// 64 KiB chunks, each sealed with AES-256-GCM under the blob's own data key.
/// <code>
/// header  "TBB2" | version 1 | flags (bit 0: compressed) | 0 0 | chunk size (LE u32) | blob id (16) | 0 0 0 0
/// chunk i ciphertext (chunk size bytes; the final chunk 0..chunk size) | tag (16)
/// nonce   final (1) | 0 0 0 | i (BE u64)
/// AAD     header (32) | i (BE u64) | final (1)
/// </code>
/// The index in nonce and AAD catches reordering; the final flag catches truncation at a chunk
/// boundary and appended chunks; the header (with the blob id) in the AAD catches a file copied
/// over another's name even if the data keys were the same. Because all chunks but the last have
/// the same size, a range read seeks straight to its first chunk.
/// </summary>
internal static class BlobEnvelope
{
    public const int HeaderLength = 32;
    public const int ChunkSize = 64 * 1024;
    public const int TagLength = 16;
    public const int NonceLength = 12;
    public const int KeyLength = 32;
    public const int StoredChunkLength = ChunkSize + TagLength;
    public const byte FlagCompressed = 1;

    private static ReadOnlySpan<byte> Magic => "TBB2"u8;

    public static byte[] Header(Guid blobId, bool compressed)
    {
        var header = new byte[HeaderLength];
        Magic.CopyTo(header);
        header[4] = 1;
        header[5] = compressed ? FlagCompressed : (byte)0;
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), ChunkSize);
        blobId.TryWriteBytes(header.AsSpan(12, 16));
        return header;
    }

    /// <summary>Checks the header names this blob and this format; returns whether the content is compressed.</summary>
    public static bool ReadHeader(ReadOnlySpan<byte> header, Guid blobId, string key)
    {
        if (header.Length < HeaderLength || !header[..4].SequenceEqual(Magic) || header[4] != 1
            || BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != ChunkSize)
        {
            throw new BlobIntegrityException(key, "not a blob of this format (header)");
        }

        if (new Guid(header.Slice(12, 16)) != blobId)
        {
            throw new BlobIntegrityException(key, "the file belongs to another blob");
        }

        return (header[5] & FlagCompressed) != 0;
    }

    public static void Nonce(Span<byte> nonce, long index, bool final)
    {
        nonce.Clear();
        nonce[0] = final ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64BigEndian(nonce[4..], index);
    }

    public static void Aad(Span<byte> aad, ReadOnlySpan<byte> header, long index, bool final)
    {
        header.CopyTo(aad);
        BinaryPrimitives.WriteInt64BigEndian(aad[HeaderLength..], index);
        aad[HeaderLength + 8] = final ? (byte)1 : (byte)0;
    }

    public const int AadLength = HeaderLength + 8 + 1;

    /// <summary>Seals chunk <paramref name="index"/> into <paramref name="output"/> (plain length + tag); returns the bytes written.</summary>
    public static int Seal(AesGcm gcm, ReadOnlySpan<byte> header, long index, bool final, ReadOnlySpan<byte> plain, Span<byte> output)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        Span<byte> aad = stackalloc byte[AadLength];
        Nonce(nonce, index, final);
        Aad(aad, header, index, final);
        gcm.Encrypt(nonce, plain, output[..plain.Length], output.Slice(plain.Length, TagLength), aad);
        return plain.Length + TagLength;
    }

    /// <summary>Opens one sealed chunk into <paramref name="plain"/>; throws <see cref="AuthenticationTagMismatchException"/> if it is not chunk <paramref name="index"/> of this blob.</summary>
    public static int Open(AesGcm gcm, ReadOnlySpan<byte> header, long index, bool final, ReadOnlySpan<byte> sealedChunk, Span<byte> plain)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        Span<byte> aad = stackalloc byte[AadLength];
        Nonce(nonce, index, final);
        Aad(aad, header, index, final);
        var length = sealedChunk.Length - TagLength;
        gcm.Decrypt(nonce, sealedChunk[..length], sealedChunk[length..], plain[..length], aad);
        return length;
    }

    /// <summary>Where chunk <paramref name="index"/> starts in the stored form.</summary>
    public static long StoredOffset(long index) => HeaderLength + index * StoredChunkLength;

    public static Guid BlobId(string key) => Guid.ParseExact(key, "N");

    public static bool IsKey(string key) => key.Length == 32 && key.All(char.IsAsciiHexDigitLower);
}

/// <summary>
/// A write-only stream that seals what is written into chunks and writes them to the target.
/// One chunk is held back until more data arrives (or <see cref="CompleteAsync"/>), so that the
/// last chunk, and only the last, carries the final flag.
/// </summary>
internal sealed class ChunkSealingStream : WriteOnlyStream
{
    private readonly Stream _output;
    private readonly AesGcm _gcm;
    private readonly byte[] _header;
    private readonly byte[] _plain = new byte[BlobEnvelope.ChunkSize];
    private readonly byte[] _sealed = new byte[BlobEnvelope.StoredChunkLength];
    private int _filled;
    private long _index;

    public ChunkSealingStream(Stream output, byte[] dataKey, byte[] header)
    {
        _output = output;
        _header = header;
        _gcm = new AesGcm(dataKey, BlobEnvelope.TagLength);
    }

    /// <summary>Bytes written to the target so far (header included).</summary>
    public long StoredLength { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _output.WriteAsync(_header, cancellationToken);
        StoredLength = _header.Length;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            if (_filled == BlobEnvelope.ChunkSize)
            {
                await SealAsync(final: false, cancellationToken);
            }

            var take = Math.Min(buffer.Length, BlobEnvelope.ChunkSize - _filled);
            buffer.Span[..take].CopyTo(_plain.AsSpan(_filled));
            _filled += take;
            buffer = buffer[take..];
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        // Compression streams write synchronously from Dispose/Flush; the target is a file or a buffer.
        while (!buffer.IsEmpty)
        {
            if (_filled == BlobEnvelope.ChunkSize)
            {
                SealInto(final: false);
                _output.Write(_sealed, 0, BlobEnvelope.StoredChunkLength);
                StoredLength += BlobEnvelope.StoredChunkLength;
            }

            var take = Math.Min(buffer.Length, BlobEnvelope.ChunkSize - _filled);
            buffer[..take].CopyTo(_plain.AsSpan(_filled));
            _filled += take;
            buffer = buffer[take..];
        }
    }

    /// <summary>Seals the held-back chunk as the final one.</summary>
    public Task CompleteAsync(CancellationToken cancellationToken) => SealAsync(final: true, cancellationToken);

    private async Task SealAsync(bool final, CancellationToken cancellationToken)
    {
        var length = SealInto(final);
        await _output.WriteAsync(_sealed.AsMemory(0, length), cancellationToken);
        StoredLength += length;
    }

    private int SealInto(bool final)
    {
        var length = BlobEnvelope.Seal(_gcm, _header, _index, final, _plain.AsSpan(0, _filled), _sealed);
        _filled = 0;
        _index++;
        return length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gcm.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// Reads sealed chunks from <paramref name="source"/> (positioned at chunk <paramref name="startIndex"/>)
/// and yields their authenticated plaintext. A chunk is final when the source ends after it; a
/// tag that does not verify, a short last chunk or a missing final chunk is an integrity failure.
/// </summary>
internal sealed class ChunkOpeningStream(Stream source, byte[] dataKey, byte[] header, long startIndex, string key, Func<BlobIntegrityException, Task> onFailure)
    : ReadOnlyStream
{
    private readonly AesGcm _gcm = new(dataKey, BlobEnvelope.TagLength);
    private readonly byte[] _sealed = new byte[BlobEnvelope.StoredChunkLength + 1];
    private readonly byte[] _plain = new byte[BlobEnvelope.ChunkSize];
    private readonly byte[] _nonce = new byte[BlobEnvelope.NonceLength];
    private readonly byte[] _aad = new byte[BlobEnvelope.AadLength];
    private readonly long _firstIndex = startIndex;
    private long _index = startIndex;
    private int _carry; // a look-ahead byte already read from the next chunk
    private int _plainStart;
    private int _plainEnd;
    private bool _done;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_plainStart == _plainEnd && !_done)
        {
            await OpenNextAsync(cancellationToken);
        }

        var take = Math.Min(buffer.Length, _plainEnd - _plainStart);
        _plain.AsSpan(_plainStart, take).CopyTo(buffer.Span);
        _plainStart += take;
        return take;
    }

    private async Task OpenNextAsync(CancellationToken cancellationToken)
    {
        // Fill the chunk plus one look-ahead byte: end of source right after the chunk makes it the final one.
        var filled = _carry;
        while (filled < _sealed.Length)
        {
            var read = await source.ReadAsync(_sealed.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        var final = filled <= BlobEnvelope.StoredChunkLength;
        var length = final ? filled : BlobEnvelope.StoredChunkLength;
        if (length < BlobEnvelope.TagLength)
        {
            await FailAsync(_index == _firstIndex && filled == 0 ? "truncated (chunks missing)" : "truncated (short chunk)");
        }

        BlobEnvelope.Nonce(_nonce, _index, final);
        BlobEnvelope.Aad(_aad, header, _index, final);
        var ciphertext = length - BlobEnvelope.TagLength;
        try
        {
            _gcm.Decrypt(_nonce, _sealed.AsSpan(0, ciphertext), _sealed.AsSpan(ciphertext, BlobEnvelope.TagLength), _plain.AsSpan(0, ciphertext), _aad);
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(_plain);
            await FailAsync($"chunk {_index} failed authentication (tampered, reordered, truncated or another blob's)");
        }

        if (!final)
        {
            _sealed[0] = _sealed[BlobEnvelope.StoredChunkLength];
            _carry = 1;
        }

        _plainStart = 0;
        _plainEnd = ciphertext;
        _done = final;
        _index++;
    }

    private async Task FailAsync(string reason)
    {
        var failure = new BlobIntegrityException(key, reason);
        _done = true;
        _plainStart = _plainEnd = 0;
        await onFailure(failure);
        throw failure;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gcm.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
            source.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _gcm.Dispose();
        CryptographicOperations.ZeroMemory(_plain);
        await source.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>
/// The plaintext view handed to callers: skips to the range's start, stops at its end, and for a
/// whole read checks length and SHA-256 before reporting the end.
/// </summary>
internal sealed class VerifyingStream(Stream inner, long skip, long take, long blobLength, string? expectedSha256, string key, Func<BlobIntegrityException, Task> onFailure)
    : ReadOnlyStream
{
    private readonly IncrementalHash? _hash = expectedSha256 is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _toSkip = skip;
    private readonly long _count = take;
    private long _remaining = take;
    private long _position;
    private bool _verified;

    public override long Length => _count;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_toSkip > 0)
        {
            var scratch = new byte[(int)Math.Min(_toSkip, BlobEnvelope.ChunkSize)];
            var skipped = await inner.ReadAsync(scratch, cancellationToken);
            if (skipped == 0)
            {
                await FailAsync("shorter than its recorded length");
            }

            _toSkip -= skipped;
        }

        if (_remaining == 0)
        {
            await VerifyEndAsync(cancellationToken);
            return 0;
        }

        var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken);
        if (read == 0)
        {
            await FailAsync("shorter than its recorded length");
        }

        _hash?.AppendData(buffer.Span[..read]);
        _remaining -= read;
        _position += read;
        if (_remaining == 0)
        {
            await VerifyEndAsync(cancellationToken);
        }

        return read;
    }

    private async Task VerifyEndAsync(CancellationToken cancellationToken)
    {
        if (_hash is null || _verified)
        {
            return;
        }

        _verified = true;

        // The whole blob was asked for: nothing may follow, and the bytes must hash to the recorded value.
        var probe = new byte[1];
        if (await inner.ReadAsync(probe, cancellationToken) != 0 || _position != blobLength)
        {
            await FailAsync("longer than its recorded length");
        }

        if (!string.Equals(Convert.ToHexStringLower(_hash.GetHashAndReset()), expectedSha256, StringComparison.Ordinal))
        {
            await FailAsync("SHA-256 mismatch");
        }
    }

    private async Task FailAsync(string reason)
    {
        var failure = new BlobIntegrityException(key, reason);
        await onFailure(failure);
        throw failure;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        _hash?.Dispose();
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
