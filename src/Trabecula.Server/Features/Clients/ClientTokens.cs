using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Trabecula.Server.Features.Clients;

/// <summary>What an access token says: which client, which secret version, which scopes, until when.</summary>
internal sealed record ClientTokenPayload(Guid Client, int Version, string Scopes, long ExpiresUnix);

/// <summary>
/// Opaque bearer tokens for machine clients: the payload is encrypted and authenticated with Data
/// Protection (so it cannot be read or forged), expires after <see cref="Lifetime"/> by the
/// injected clock, and is checked against the client row on every request (revocation and
/// rotation take effect at once).
/// </summary>
internal sealed class ClientTokens(IDataProtectionProvider dataProtection, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private readonly IDataProtector _protector = dataProtection.CreateProtector("Trabecula.Clients.AccessToken.v1");

    public string Issue(MachineClient client, string scopes)
    {
        var payload = new ClientTokenPayload(client.Id, client.SecretVersion, scopes, (time.GetUtcNow() + Lifetime).ToUnixTimeSeconds());
        return _protector.Protect(JsonSerializer.Serialize(payload));
    }

    public ClientTokenPayload? Read(string token)
    {
        try
        {
            var payload = JsonSerializer.Deserialize<ClientTokenPayload>(_protector.Unprotect(token));
            return payload is not null && payload.ExpiresUnix > time.GetUtcNow().ToUnixTimeSeconds() ? payload : null;
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException or FormatException)
        {
            return null;
        }
    }

    public static string HashSecret(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static bool SecretMatches(MachineClient client, string? secret) =>
        secret is { Length: > 0 and < 200 }
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(client.SecretHash), Encoding.ASCII.GetBytes(HashSecret(secret)));

    public static string NewSecret() => "tbs_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string NewClientId() => "tbc_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
}
