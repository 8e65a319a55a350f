using System.Security.Cryptography;
using System.Text;

namespace Trabecula.Server.Infrastructure.Keys;

/// <summary>
/// The operator's master key. It never encrypts data itself: every consumer derives its own
/// key with HKDF-SHA256 and a purpose string, so a key for one job cannot decrypt another's.
/// </summary>
public sealed class MasterKey : IDisposable
{
    public const int Length = 32;

    private readonly byte[] _key;

    internal MasterKey(byte[] key, string source)
    {
        if (key.Length != Length)
        {
            throw new ArgumentException($"A master key is {Length} bytes.", nameof(key));
        }

        _key = key;
        Source = source;
    }

    /// <summary>Where the key came from ("file /path" or "environment"), for the start-up log. Never the key.</summary>
    public string Source { get; }

    /// <summary>A key for <paramref name="purpose"/>, derived with HKDF-SHA256 (RFC 5869).</summary>
    public byte[] DeriveKey(string purpose, int length = 32)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, length, salt: [], info: Encoding.UTF8.GetBytes(purpose));
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
