using System.Numerics;
using System.Security.Cryptography;
using Trabecula.Server.Infrastructure.Keys;

namespace Trabecula.Server.Features.Designs;

/// <summary>
/// Signs approval documents with an ECDSA P-256 key derived from the master key (HKDF, purpose
/// "Trabecula.Designs.Signing.v1"), apart from the audit key so that one key's compromise or
/// rotation does not touch the other. Nothing is stored; the public key is published
/// (<c>trabecula signatures verify</c>, <c>/api/signatures/public-key</c>) so that anyone can check
/// a printed or exported approval.
/// </summary>
public sealed class DesignSigner : IDisposable
{
    private const string Purpose = "Trabecula.Designs.Signing.v1";
    private static readonly byte[] Label = "TRABECULA-DESIGN-SIGNATURE-V1\n"u8.ToArray();

    private static readonly BigInteger P256Order = BigInteger.Parse(
        "115792089210356248762697446949407573529996955224135760342422259061068512044369", System.Globalization.CultureInfo.InvariantCulture);

    private readonly ECDsa _key;

    public DesignSigner(MasterKey masterKey)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        _key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = DerivePrivateScalar(masterKey) });
        PublicKeyPem = _key.ExportSubjectPublicKeyInfoPem();
        KeyId = Convert.ToHexStringLower(SHA256.HashData(_key.ExportSubjectPublicKeyInfo()))[..16];
    }

    /// <summary>First 16 hex digits of SHA-256 of the public key (SubjectPublicKeyInfo).</summary>
    public string KeyId { get; }

    public string PublicKeyPem { get; }

    /// <summary>The signature (IEEE P1363, r ‖ s) over the label and the document's UTF-8 bytes.</summary>
    public byte[] Sign(string document) => _key.SignData(Message(document), HashAlgorithmName.SHA256);

    public bool Verify(string document, byte[] signature) => _key.VerifyData(Message(document), signature, HashAlgorithmName.SHA256);

    /// <summary>
    /// Signs an encrypted export package (Features/Transfer) with the same published key, under
    /// the package's own label, so that a package signature never passes as a design signature
    /// (whose messages begin with another label) and the workstation trusts one platform key.
    /// </summary>
    public byte[] SignTransferPackage(byte[] message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.AsSpan().StartsWith(Transfer.TransferPackage.SignatureLabel)
            ? _key.SignData(message, HashAlgorithmName.SHA256)
            : throw new ArgumentException("Not a transfer package message.", nameof(message));
    }

    public void Dispose() => _key.Dispose();

    private static byte[] Message(string document) => [.. Label, .. System.Text.Encoding.UTF8.GetBytes(document)];

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
