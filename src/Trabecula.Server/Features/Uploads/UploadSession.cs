using System.Buffers.Binary;
using System.Security.Cryptography;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Uploads;

/// <summary>
/// One process's right to seal chunks of one upload generation, and the SHA-256 of what it has
/// sealed. GCM must never see one nonce twice under one key, and a chunk's nonce is its index: so
/// only the session that made a data key seals with it, and it is dropped the moment any chunk
/// it sealed is thrown away (a refused or failed request), since that chunk's index will be used
/// again. A restart drops every session too. Without a session an upload is re-keyed
/// (<see cref="SealedUploads.StartGenerationAsync"/>) before anything new is sealed.
/// </summary>
internal sealed class UploadSession : IDisposable
{
    /// <summary>The largest sealed tail: nonce, a chunk less one byte, tag.</summary>
    public const int MaxSealedTail = BlobEnvelope.NonceLength + BlobEnvelope.ChunkSize - 1 + BlobEnvelope.TagLength;

    private static readonly byte[] TailKeyInfo = "trabecula/upload-tail/v1"u8.ToArray();

    public UploadSession(int generation, string partKey, ReadOnlySpan<byte> dataKey)
    {
        Generation = generation;
        PartKey = partKey;
        Header = BlobEnvelope.Header(BlobEnvelope.BlobId(partKey), compressed: false);
        Chunks = new AesGcm(dataKey, BlobEnvelope.TagLength);
        TailCipher = TailGcm(dataKey);
    }

    public int Generation { get; }

    public string PartKey { get; }

    /// <summary>The part's blob header (its blob id is the part key).</summary>
    public byte[] Header { get; }

    /// <summary>Seals the chunks (nonce = index, see <see cref="BlobEnvelope"/>).</summary>
    public AesGcm Chunks { get; }

    /// <summary>Seals the unfinished chunk kept in the row, with random nonces under a key of its own.</summary>
    public AesGcm TailCipher { get; }

    /// <summary>SHA-256 of every chunk sealed so far, in order: the blob's hash once the final one is in.</summary>
    public IncrementalHash Sha256 { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>The tail key is derived, not the data key itself, so random tail nonces never meet the chunks' counter nonces.</summary>
    public static AesGcm TailGcm(ReadOnlySpan<byte> dataKey)
    {
        Span<byte> key = stackalloc byte[BlobEnvelope.KeyLength];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey, key, salt: [], info: TailKeyInfo);
        try
        {
            return new AesGcm(key, BlobEnvelope.TagLength);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>nonce | ciphertext | tag, bound to the upload and the offset it ends at.</summary>
    public static byte[] SealTail(AesGcm gcm, ReadOnlySpan<byte> plain, Guid uploadId, long offset)
    {
        var sealedTail = new byte[BlobEnvelope.NonceLength + plain.Length + BlobEnvelope.TagLength];
        var nonce = sealedTail.AsSpan(0, BlobEnvelope.NonceLength);
        RandomNumberGenerator.Fill(nonce);
        gcm.Encrypt(nonce, plain, sealedTail.AsSpan(BlobEnvelope.NonceLength, plain.Length), sealedTail.AsSpan(BlobEnvelope.NonceLength + plain.Length), TailAad(uploadId, offset));
        return sealedTail;
    }

    /// <summary>Opens a sealed tail into <paramref name="plain"/>; it must hold <paramref name="expectedLength"/> bytes.</summary>
    public static void OpenTail(AesGcm gcm, byte[]? sealedTail, Guid uploadId, long offset, int expectedLength, Span<byte> plain)
    {
        if (sealedTail is null || sealedTail.Length != BlobEnvelope.NonceLength + expectedLength + BlobEnvelope.TagLength)
        {
            throw new BlobIntegrityException(uploadId.ToString("N"), "the upload's unfinished chunk is missing or of the wrong length");
        }

        try
        {
            gcm.Decrypt(sealedTail.AsSpan(0, BlobEnvelope.NonceLength), sealedTail.AsSpan(BlobEnvelope.NonceLength, expectedLength),
                sealedTail.AsSpan(BlobEnvelope.NonceLength + expectedLength), plain[..expectedLength], TailAad(uploadId, offset));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new BlobIntegrityException(uploadId.ToString("N"), "the upload's unfinished chunk failed authentication");
        }
    }

    private static byte[] TailAad(Guid uploadId, long offset)
    {
        var aad = new byte[24];
        uploadId.TryWriteBytes(aad);
        BinaryPrimitives.WriteInt64BigEndian(aad.AsSpan(16), offset);
        return aad;
    }

    public void Dispose()
    {
        Chunks.Dispose();
        TailCipher.Dispose();
        Sha256.Dispose();
    }
}
