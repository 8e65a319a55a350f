using System.Security.Cryptography;
using System.Text;

namespace Trabecula.Server.Infrastructure.Keys;

/// <summary>
/// Encrypts single sensitive columns (identity-document numbers, patient identity) with
/// AES-256-GCM under a key derived from the master key. The column holds "v1:" + base64(nonce |
/// tag | ciphertext); the version prefix leaves room for key rotation and SM4-GCM.
/// </summary>
public sealed class FieldProtector
{
    private const string Prefix = "v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public FieldProtector(MasterKey masterKey)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        _key = masterKey.DeriveKey("Trabecula.Fields.v1");
    }

    public string Protect(string plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var data = Encoding.UTF8.GetBytes(plaintext);
        var blob = new byte[NonceSize + TagSize + data.Length];
        RandomNumberGenerator.Fill(blob.AsSpan(0, NonceSize));
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(blob.AsSpan(0, NonceSize), data, blob.AsSpan(NonceSize + TagSize), blob.AsSpan(NonceSize, TagSize));
        return Prefix + Convert.ToBase64String(blob);
    }

    public string Unprotect(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new CryptographicException("The field is not in the v1 encrypted format.");
        }

        var blob = Convert.FromBase64String(stored[Prefix.Length..]);
        if (blob.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The encrypted field is truncated.");
        }

        var data = new byte[blob.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(blob.AsSpan(0, NonceSize), blob.AsSpan(NonceSize + TagSize), blob.AsSpan(NonceSize, TagSize), data);
        return Encoding.UTF8.GetString(data);
    }

    /// <summary>First 3 and last 4 characters, the rest as '*' (how identity numbers are shown).</summary>
    public static string Mask(string? value) =>
        value is null ? "" : value.Length <= 7 ? new string('*', value.Length) : value[..3] + new string('*', value.Length - 7) + value[^4..];
}
