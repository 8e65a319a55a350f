using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Trabecula.Server.Infrastructure.Keys;

/// <summary>
/// Encrypts ASP.NET Core Data Protection's key ring (cookie and anti-forgery keys) at rest with
/// AES-256-GCM under a key derived from the master key, so a copied data folder without the
/// master key cannot forge sessions.
/// </summary>
internal sealed class MasterKeyXmlEncryptor(MasterKey masterKey) : IXmlEncryptor
{
    internal const string Purpose = "Trabecula.DataProtection.KeyRing.v1";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        ArgumentNullException.ThrowIfNull(plaintextElement);
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var blob = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = blob.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var key = masterKey.DeriveKey(Purpose);
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Encrypt(nonce, plaintext, blob.AsSpan(NonceSize + TagSize), blob.AsSpan(NonceSize, TagSize));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plaintext);
        }

        var element = new XElement("encryptedKey",
            new XComment(" AES-256-GCM under a key derived from the Trabecula master key "),
            new XElement("value", Convert.ToBase64String(blob)));
        return new EncryptedXmlInfo(element, typeof(MasterKeyXmlDecryptor));
    }

    internal static XElement Decrypt(MasterKey masterKey, XElement encryptedElement)
    {
        var blob = Convert.FromBase64String((string?)encryptedElement.Element("value")
            ?? throw new CryptographicException("The encrypted key element has no value."));
        if (blob.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The encrypted key element is too short.");
        }

        var plaintext = new byte[blob.Length - NonceSize - TagSize];
        var key = masterKey.DeriveKey(Purpose);
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(blob.AsSpan(0, NonceSize), blob.AsSpan(NonceSize + TagSize), blob.AsSpan(NonceSize, TagSize), plaintext);
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}

/// <summary>Created by Data Protection from the type name stored in the key file.</summary>
internal sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        ArgumentNullException.ThrowIfNull(encryptedElement);
        return MasterKeyXmlEncryptor.Decrypt(services.GetRequiredService<MasterKey>(), encryptedElement);
    }
}
