using System.Security.Cryptography;
using Trabecula.Server.Infrastructure.Keys;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>Where a stored file is and what it must hash to.</summary>
public sealed record StoredBlob(string Key, long Length, string Sha256);

/// <summary>Raised when a stored file fails authentication or its hash: no bytes are returned.</summary>
public sealed class BlobIntegrityException(string key, string reason) : Exception($"Blob {key}: {reason}")
{
    public string Key { get; } = key;
}

/// <summary>
/// The one interface files of patient data, designs and production go through. Keys are made by
/// the server, never from a user's file name. This first implementation keeps whole files (up to
/// the request size limit) in memory; the storage issue replaces it with chunked streaming
/// envelope encryption, S3 and residency checks behind the same interface.
/// </summary>
public interface IBlobStore
{
    Task<StoredBlob> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>The plaintext, after checking authentication and that it hashes to <paramref name="sha256"/>.</summary>
    Task<byte[]> GetAsync(string key, string sha256, CancellationToken cancellationToken = default);
}

/// <summary>
/// Files under data/blobs, each encrypted with its own AES-256-GCM data key; the data key is
/// wrapped with a key-encryption key derived from the master key, and the blob key is bound into
/// both as associated data, so a file renamed over another fails to decrypt. Written to a temp
/// file, flushed to disk and renamed: a crash leaves the old state or the new one, never half.
/// </summary>
internal sealed class LocalBlobStore : IBlobStore
{
    private static readonly byte[] Magic = "TBB1"u8.ToArray();
    private const int NonceLength = 12;
    private const int TagLength = 16;
    private const int KeyLength = 32;
    private const int HeaderLength = 4 + NonceLength + KeyLength + TagLength + NonceLength + TagLength;

    private readonly byte[] _kek;
    private readonly DataDirectory _data;

    public LocalBlobStore(MasterKey masterKey, DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        _kek = masterKey.DeriveKey("trabecula/blob-kek/v1");
        _data = data;
    }

    public async Task<StoredBlob> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var key = Guid.CreateVersion7().ToString("N");
        var sha = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        var dataKey = RandomNumberGenerator.GetBytes(KeyLength);
        var buffer = new byte[HeaderLength + content.Length];
        try
        {
            var aad = System.Text.Encoding.ASCII.GetBytes(key);
            Magic.CopyTo(buffer, 0);
            var wrapNonce = buffer.AsSpan(4, NonceLength);
            RandomNumberGenerator.Fill(wrapNonce);
            using (var wrap = new AesGcm(_kek, TagLength))
            {
                wrap.Encrypt(wrapNonce, dataKey, buffer.AsSpan(4 + NonceLength, KeyLength), buffer.AsSpan(4 + NonceLength + KeyLength, TagLength), aad);
            }

            var dataNonce = buffer.AsSpan(4 + NonceLength + KeyLength + TagLength, NonceLength);
            RandomNumberGenerator.Fill(dataNonce);
            using (var gcm = new AesGcm(dataKey, TagLength))
            {
                gcm.Encrypt(dataNonce, content.Span, buffer.AsSpan(HeaderLength), buffer.AsSpan(HeaderLength - TagLength, TagLength), aad);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }

        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            await file.WriteAsync(buffer, cancellationToken);
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, path);
        return new StoredBlob(key, content.Length, sha);
    }

    public async Task<byte[]> GetAsync(string key, string sha256, CancellationToken cancellationToken = default)
    {
        if (key.Length != 32 || !key.All(char.IsAsciiHexDigitLower))
        {
            throw new BlobIntegrityException(key, "not a blob key");
        }

        byte[] buffer;
        try
        {
            buffer = await File.ReadAllBytesAsync(PathOf(key), cancellationToken);
        }
        catch (FileNotFoundException)
        {
            throw new BlobIntegrityException(key, "missing");
        }

        if (buffer.Length < HeaderLength || !buffer.AsSpan(0, 4).SequenceEqual(Magic))
        {
            throw new BlobIntegrityException(key, "truncated or not a blob");
        }

        var aad = System.Text.Encoding.ASCII.GetBytes(key);
        var dataKey = new byte[KeyLength];
        var plain = new byte[buffer.Length - HeaderLength];
        try
        {
            using (var wrap = new AesGcm(_kek, TagLength))
            {
                wrap.Decrypt(buffer.AsSpan(4, NonceLength), buffer.AsSpan(4 + NonceLength, KeyLength), buffer.AsSpan(4 + NonceLength + KeyLength, TagLength), dataKey, aad);
            }

            using var gcm = new AesGcm(dataKey, TagLength);
            gcm.Decrypt(buffer.AsSpan(4 + NonceLength + KeyLength + TagLength, NonceLength), buffer.AsSpan(HeaderLength), buffer.AsSpan(HeaderLength - TagLength, TagLength), plain, aad);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new BlobIntegrityException(key, "authentication failed");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }

        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(plain)), sha256, StringComparison.Ordinal))
        {
            throw new BlobIntegrityException(key, "SHA-256 mismatch");
        }

        return plain;
    }

    private string PathOf(string key) => _data.PathOf("blobs", key[..2], key[2..4], key);
}
