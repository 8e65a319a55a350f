using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Trabecula.Server.Features.Transfer;

/// <summary>
/// What an encrypted export package says about itself (JSON, signed with the ciphertext). The
/// content key is fresh per package and reaches only the recipient: it is wrapped under a key
/// agreed by ECDH P-256 between a fresh ephemeral key and the client's registered public key.
/// </summary>
public sealed record PackageManifest(
    int Format,
    string ArtifactKind,
    Guid ArtifactId,
    Guid OrderId,
    string OrderNumber,
    string FileName,
    string ContentType,
    long Length,
    string Sha256,
    DateTime CreatedAt,
    Guid RecipientId,
    string RecipientClientId,
    string RecipientKeyId,
    string PlatformKeyId,
    string PlatformPublicKey,
    string KeyAgreement,
    string EphemeralPublicKey,
    string WrapNonce,
    string WrappedKey,
    string ContentEncryption,
    string ContentNonce);

/// <summary>Why a package cannot be opened; <see cref="NotForThisKey"/> is told apart so that the workstation says "wrong key", not "tampered".</summary>
public sealed class PackageException(string message, bool notForThisKey = false) : Exception(message)
{
    public bool NotForThisKey { get; } = notForThisKey;
}

/// <summary>
/// The encrypted export package for offline transfer to a printer workstation (R-XFER-2
/// encrypt/decrypt). One file:
/// <code>
/// "TRBPKG01" | u32 manifest length | manifest (UTF-8 JSON) | u64 ciphertext length | ciphertext (AES-256-GCM, tag appended)
///            | u16 signature length | signature (ECDSA P-256 over SHA-256, IEEE P1363)
/// </code>
/// The content's associated data is the manifest's SHA-256, so manifest and ciphertext are bound
/// twice: by GCM and by the platform's signature over label ‖ SHA-256(manifest) ‖ SHA-256(ciphertext).
/// BCL only, so the workstation verb (<c>trabecula package decrypt</c>) needs no server, database or master key.
/// </summary>
public static class TransferPackage
{
    public const int FormatVersion = 1;
    public const string KeyAgreementName = "ECDH-ES-P256+HKDF-SHA256+A256GCM";
    public const string ContentEncryptionName = "A256GCM";
    public const int MaxManifestBytes = 64 * 1024;

    /// <summary>What the platform's signature covers begins with this, apart from every other signature of the same key.</summary>
    public static readonly byte[] SignatureLabel = "TRABECULA-TRANSFER-PACKAGE-V1\n"u8.ToArray();

    private static readonly byte[] Magic = "TRBPKG01"u8.ToArray();
    private static readonly byte[] WrapInfo = "TRABECULA-PACKAGE-KEK-V1"u8.ToArray();
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>First 16 hex digits of SHA-256 of a public key's SubjectPublicKeyInfo (as for the signing keys).</summary>
    public static string KeyIdOf(byte[] subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];

    /// <summary>Parses a P-256 public key (PEM SubjectPublicKeyInfo); null if it is anything else.</summary>
    public static byte[]? ParseRecipientKey(string? pem)
    {
        if (string.IsNullOrWhiteSpace(pem) || pem.Length > 4096)
        {
            return null;
        }

        try
        {
            using var key = ECDiffieHellman.Create();
            key.ImportFromPem(pem);
            var parameters = key.ExportParameters(includePrivateParameters: false);
            return parameters.Curve.Oid?.Value == ECCurve.NamedCurves.nistP256.Oid.Value && parameters.D is null
                ? key.ExportSubjectPublicKeyInfo()
                : null;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return null;
        }
    }

    /// <summary>
    /// Seals <paramref name="plaintext"/> for the holder of <paramref name="recipientSpki"/>'s private key.
    /// <paramref name="sign"/> signs the message (label ‖ digests) with the platform's key.
    /// </summary>
    public static byte[] Seal(PackageManifest template, ReadOnlySpan<byte> plaintext, byte[] recipientSpki, Func<byte[], byte[]> sign)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(sign);
        using var recipient = ECDiffieHellman.Create();
        recipient.ImportSubjectPublicKeyInfo(recipientSpki, out _);
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var ephemeralSpki = ephemeral.ExportSubjectPublicKeyInfo();
        var contentKey = RandomNumberGenerator.GetBytes(32);
        var wrapNonce = RandomNumberGenerator.GetBytes(12);
        var contentNonce = RandomNumberGenerator.GetBytes(12);
        try
        {
            var kek = WrappingKey(ephemeral.DeriveRawSecretAgreement(recipient.PublicKey), ephemeralSpki, recipientSpki);
            var wrapped = new byte[32 + 16];
            using (var gcm = new AesGcm(kek, 16))
            {
                gcm.Encrypt(wrapNonce, contentKey, wrapped.AsSpan(0, 32), wrapped.AsSpan(32), Encoding.UTF8.GetBytes(template.RecipientKeyId));
            }

            CryptographicOperations.ZeroMemory(kek);
            var manifest = template with
            {
                Format = FormatVersion,
                Length = plaintext.Length,
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(plaintext)),
                KeyAgreement = KeyAgreementName,
                EphemeralPublicKey = Convert.ToBase64String(ephemeralSpki),
                WrapNonce = Convert.ToBase64String(wrapNonce),
                WrappedKey = Convert.ToBase64String(wrapped),
                ContentEncryption = ContentEncryptionName,
                ContentNonce = Convert.ToBase64String(contentNonce),
            };
            var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest, Json);
            var ciphertext = new byte[plaintext.Length + 16];
            using (var gcm = new AesGcm(contentKey, 16))
            {
                gcm.Encrypt(contentNonce, plaintext, ciphertext.AsSpan(0, plaintext.Length), ciphertext.AsSpan(plaintext.Length), SHA256.HashData(manifestBytes));
            }

            var signature = sign(SignedMessage(manifestBytes, ciphertext));
            var file = new byte[Magic.Length + 4 + manifestBytes.Length + 8 + ciphertext.Length + 2 + signature.Length];
            var at = 0;
            Magic.CopyTo(file, at);
            at += Magic.Length;
            BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(at), (uint)manifestBytes.Length);
            at += 4;
            manifestBytes.CopyTo(file, at);
            at += manifestBytes.Length;
            BinaryPrimitives.WriteUInt64BigEndian(file.AsSpan(at), (ulong)ciphertext.Length);
            at += 8;
            ciphertext.CopyTo(file, at);
            at += ciphertext.Length;
            BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(at), (ushort)signature.Length);
            at += 2;
            signature.CopyTo(file, at);
            return file;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(contentKey);
        }
    }

    /// <summary>label ‖ SHA-256(manifest) ‖ SHA-256(ciphertext): what the platform signs.</summary>
    public static byte[] SignedMessage(byte[] manifestBytes, byte[] ciphertext) =>
        [.. SignatureLabel, .. SHA256.HashData(manifestBytes), .. SHA256.HashData(ciphertext)];

    /// <summary>
    /// Opens a package with the recipient's private key. Checks, in this order: the layout (a cut
    /// or padded file is refused), the platform's signature (against <paramref name="trustedSignerPem"/>
    /// when given, else the key the package names), that the package is addressed to this key,
    /// the key unwrap, the content's authentication, its length and SHA-256. Returns nothing unless all pass.
    /// </summary>
    public static (PackageManifest Manifest, byte[] Plaintext) Open(byte[] file, ECDiffieHellman recipientKey, string? trustedSignerPem)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(recipientKey);
        var (manifestBytes, ciphertext, signature) = Split(file);
        PackageManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<PackageManifest>(manifestBytes, Json) ?? throw new PackageException("The manifest is empty.");
        }
        catch (JsonException)
        {
            throw new PackageException("The manifest is not valid JSON: the package was altered.");
        }

        if (manifest.Format != FormatVersion || manifest.KeyAgreement != KeyAgreementName || manifest.ContentEncryption != ContentEncryptionName)
        {
            throw new PackageException($"Unsupported package format {manifest.Format} ({manifest.KeyAgreement}, {manifest.ContentEncryption}).");
        }

        using (var signer = ECDsa.Create())
        {
            try
            {
                signer.ImportFromPem(trustedSignerPem ?? manifest.PlatformPublicKey);
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                throw new PackageException("The platform public key cannot be read.");
            }

            if (trustedSignerPem is not null && KeyIdOf(signer.ExportSubjectPublicKeyInfo()) != manifest.PlatformKeyId)
            {
                throw new PackageException($"The package names platform key {manifest.PlatformKeyId}, not the trusted key {KeyIdOf(signer.ExportSubjectPublicKeyInfo())}.");
            }

            if (!signer.VerifyData(SignedMessage(manifestBytes, ciphertext), signature, HashAlgorithmName.SHA256))
            {
                throw new PackageException("The platform's signature does not verify: the package was altered or was not made by this platform.");
            }
        }

        var ownSpki = recipientKey.ExportSubjectPublicKeyInfo();
        var ownKeyId = KeyIdOf(ownSpki);
        if (ownKeyId != manifest.RecipientKeyId)
        {
            throw new PackageException($"The package is for client {manifest.RecipientClientId} (key {manifest.RecipientKeyId}), not for key {ownKeyId}.", notForThisKey: true);
        }

        byte[] contentKey = new byte[32];
        try
        {
            using var ephemeral = ECDiffieHellman.Create();
            var ephemeralSpki = Convert.FromBase64String(manifest.EphemeralPublicKey);
            ephemeral.ImportSubjectPublicKeyInfo(ephemeralSpki, out _);
            var kek = WrappingKey(recipientKey.DeriveRawSecretAgreement(ephemeral.PublicKey), ephemeralSpki, ownSpki);
            var wrapped = Convert.FromBase64String(manifest.WrappedKey);
            if (wrapped.Length != 48)
            {
                throw new PackageException("The wrapped key has the wrong length.");
            }

            using var gcm = new AesGcm(kek, 16);
            gcm.Decrypt(Convert.FromBase64String(manifest.WrapNonce), wrapped.AsSpan(0, 32), wrapped.AsSpan(32), contentKey, Encoding.UTF8.GetBytes(manifest.RecipientKeyId));
            CryptographicOperations.ZeroMemory(kek);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            throw new PackageException("The content key cannot be unwrapped with this private key.", notForThisKey: true);
        }

        if (ciphertext.Length < 16)
        {
            throw new PackageException("The ciphertext is shorter than its authentication tag.");
        }

        var plaintext = new byte[ciphertext.Length - 16];
        try
        {
            using var gcm = new AesGcm(contentKey, 16);
            gcm.Decrypt(Convert.FromBase64String(manifest.ContentNonce), ciphertext.AsSpan(0, plaintext.Length), ciphertext.AsSpan(plaintext.Length), plaintext, SHA256.HashData(manifestBytes));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            throw new PackageException("The ciphertext does not authenticate: the package was altered.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(contentKey);
        }

        if (plaintext.Length != manifest.Length || Convert.ToHexStringLower(SHA256.HashData(plaintext)) != manifest.Sha256)
        {
            throw new PackageException("The decrypted content does not match the manifest's length and SHA-256.");
        }

        return (manifest, plaintext);
    }

    private static (byte[] Manifest, byte[] Ciphertext, byte[] Signature) Split(byte[] file)
    {
        const int Header = 8 + 4;
        if (file.Length < Header || !file.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new PackageException(file.Length < Magic.Length && Magic.AsSpan(0, file.Length).SequenceEqual(file) ? "The package is truncated (in its header)." : "Not a Trabecula transfer package.");
        }

        var manifestLength = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(8));
        if (manifestLength > MaxManifestBytes)
        {
            throw new PackageException($"The manifest claims {manifestLength} bytes (at most {MaxManifestBytes}).");
        }

        var at = (long)Header + manifestLength;
        if (file.Length < at + 8)
        {
            throw new PackageException($"The package is truncated: {file.Length} bytes, the manifest alone needs {at + 8}.");
        }

        var ciphertextLength = BinaryPrimitives.ReadUInt64BigEndian(file.AsSpan((int)at));
        if (ciphertextLength > (ulong)file.Length)
        {
            throw new PackageException($"The package is truncated: {file.Length} bytes, the ciphertext claims {ciphertextLength}.");
        }

        var signatureAt = at + 8 + (long)ciphertextLength;
        if (file.Length < signatureAt + 2)
        {
            throw new PackageException($"The package is truncated: {file.Length} bytes, expected at least {signatureAt + 2}.");
        }

        var signatureLength = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan((int)signatureAt));
        var end = signatureAt + 2 + signatureLength;
        if (file.Length != end)
        {
            throw new PackageException(file.Length < end
                ? $"The package is truncated: {file.Length} bytes, expected {end}."
                : $"The package has {file.Length - end} bytes after its signature.");
        }

        return (file.AsSpan(Header, (int)manifestLength).ToArray(), file.AsSpan((int)at + 8, (int)ciphertextLength).ToArray(), file.AsSpan((int)signatureAt + 2, signatureLength).ToArray());
    }

    private static byte[] WrappingKey(byte[] sharedSecret, byte[] ephemeralSpki, byte[] recipientSpki)
    {
        try
        {
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, sharedSecret, 32, salt: [.. ephemeralSpki, .. recipientSpki], info: WrapInfo);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
        }
    }
}
