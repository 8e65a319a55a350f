using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using Trabecula.Server.Infrastructure.Keys;

namespace Trabecula.Server.Features.Audit;

/// <summary>
/// Signs the chain head and checkpoints with an ECDSA P-256 key derived from the master key
/// (HKDF, purpose "Trabecula.Audit.Signing.v1"). Nothing is stored: whoever can edit the
/// database but not read the master key cannot forge a head or a checkpoint.
/// </summary>
public sealed class AuditSigner : IDisposable
{
    private const string Purpose = "Trabecula.Audit.Signing.v1";
    private static readonly byte[] HeadLabel = "TRABECULA-AUDIT-HEAD-V1"u8.ToArray();
    private static readonly byte[] CheckpointLabel = "TRABECULA-AUDIT-CHECKPOINT-V1"u8.ToArray();

    // Order n of the P-256 group: a private scalar must lie in [1, n-1].
    private static readonly BigInteger P256Order = BigInteger.Parse(
        "115792089210356248762697446949407573529996955224135760342422259061068512044369", System.Globalization.CultureInfo.InvariantCulture);

    private readonly ECDsa _key;

    public AuditSigner(MasterKey masterKey)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        _key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = DerivePrivateScalar(masterKey) });
        var publicKey = _key.ExportSubjectPublicKeyInfo();
        PublicKeyPem = _key.ExportSubjectPublicKeyInfoPem();
        KeyId = Convert.ToHexStringLower(SHA256.HashData(publicKey))[..16];
    }

    /// <summary>First 16 hex digits of SHA-256 of the public key (SubjectPublicKeyInfo).</summary>
    public string KeyId { get; }

    /// <summary>The public key, for verifiers outside the platform.</summary>
    public string PublicKeyPem { get; }

    public byte[] SignHead(long sequence, byte[] hash) => _key.SignData(HeadMessage(sequence, hash), HashAlgorithmName.SHA256);

    public bool VerifyHead(long sequence, byte[] hash, byte[] signature) =>
        _key.VerifyData(HeadMessage(sequence, hash), signature, HashAlgorithmName.SHA256);

    public byte[] SignCheckpoint(long sequence, byte[] hash, DateTime createdAt) =>
        _key.SignData(CheckpointMessage(sequence, hash, createdAt), HashAlgorithmName.SHA256);

    public bool VerifyCheckpoint(long sequence, byte[] hash, DateTime createdAt, byte[] signature) =>
        _key.VerifyData(CheckpointMessage(sequence, hash, createdAt), signature, HashAlgorithmName.SHA256);

    public void Dispose() => _key.Dispose();

    private static byte[] HeadMessage(long sequence, byte[] hash) => [.. HeadLabel, .. BigEndian(sequence), .. hash];

    private static byte[] CheckpointMessage(long sequence, byte[] hash, DateTime createdAt) =>
        [.. CheckpointLabel, .. BigEndian(sequence), .. hash, .. BigEndian(createdAt.Ticks)];

    private static byte[] BigEndian(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] DerivePrivateScalar(MasterKey masterKey)
    {
        for (var counter = 0; ; counter++)
        {
            var candidate = masterKey.DeriveKey(counter == 0 ? Purpose : $"{Purpose}#{counter}");
            var value = new BigInteger(candidate, isUnsigned: true, isBigEndian: true);
            if (value > BigInteger.Zero && value < P256Order)
            {
                return candidate;
            }
        }
    }
}
