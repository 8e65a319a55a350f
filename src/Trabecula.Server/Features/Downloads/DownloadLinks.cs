using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Trabecula.Server.Features.Downloads;

/// <summary>What a download link grants: one file of one order, to one person, until a time.</summary>
public sealed record DownloadGrant(string Kind, Guid OrderId, Guid FileId, string BlobKey, Guid UserId, DateTimeOffset ExpiresAt);

/// <summary>
/// Download links in the bitwarden pattern (STYLE.md): never a storage path, but a token sealed
/// with ASP.NET Data Protection (authenticated encryption under the key ring in the data folder),
/// time-limited, with a purpose per kind of file, that names the blob, the order and the person.
/// Data Protection checks the expiry against the system clock; it is checked again against the
/// injected clock (the same one in production), so that tests can move time forward.
/// </summary>
public sealed class DownloadLinks(IDataProtectionProvider dataProtection, IOptions<DownloadOptions> options, TimeProvider time)
{
    private const string Purpose = "Trabecula.Downloads.v1";

    public DownloadGrant Grant(string kind, Guid orderId, Guid fileId, string blobKey, Guid userId) =>
        new(kind, orderId, fileId, blobKey, userId, time.GetUtcNow().AddSeconds(options.Value.LinkLifetimeSeconds));

    public string Protect(DownloadGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var payload = JsonSerializer.Serialize(new Payload(grant.OrderId, grant.FileId, grant.BlobKey, grant.UserId, grant.ExpiresAt.ToUnixTimeSeconds()));
        return Protector(grant.Kind).Protect(payload, grant.ExpiresAt);
    }

    /// <summary>The grant of a token of <paramref name="kind"/>; null when it is tampered with, of another kind, or expired.</summary>
    public DownloadGrant? Unprotect(string kind, string token)
    {
        try
        {
            var payload = JsonSerializer.Deserialize<Payload>(Protector(kind).Unprotect(token, out _));
            if (payload is null)
            {
                return null;
            }

            var expires = DateTimeOffset.FromUnixTimeSeconds(payload.Exp);
            return expires <= time.GetUtcNow() ? null : new DownloadGrant(kind, payload.Order, payload.File, payload.Blob, payload.User, expires);
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException or FormatException)
        {
            return null;
        }
    }

    private ITimeLimitedDataProtector Protector(string kind) => dataProtection.CreateProtector(Purpose, kind).ToTimeLimitedDataProtector();

    private sealed record Payload(Guid Order, Guid File, string Blob, Guid User, long Exp);
}
