using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Designs;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Features.Permissions;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Transfer;

/// <summary>A machine client of the order's manufacturer that can receive a package.</summary>
public sealed record ExportRecipient(Guid Id, string ClientId, string Name, string KeyId);

public sealed record ExportOutcome(ShareStatus Status, string Detail = "", string? Field = null, byte[]? Package = null, string? FileName = null);

/// <summary>
/// Encrypted export (R-XFER-2 encrypt): an artifact sealed for one registered machine client of
/// the order's manufacturer (a printer workstation), signed with the platform's design-signature
/// key. The matrix is asked for Download and Encrypt on the artifact's class; the data-class rule
/// (<see cref="ShareRules"/>) for the manufacturer's party. Decryption happens offline on the
/// workstation (<c>trabecula package decrypt</c>); the platform never holds the private key.
/// </summary>
public sealed class PackageExports(
    TrabeculaDbContext db, AccessPolicy policy, ArtifactResolver artifacts, DesignSigner signer, IAuditLog audit, TimeProvider time)
{
    /// <summary>The manufacturer's clients that are not revoked and hold a transfer key.</summary>
    public async Task<List<ExportRecipient>> RecipientsAsync(Order order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.ManufacturerId is not { } manufacturer)
        {
            return [];
        }

        return await (from c in db.MachineClients.AsNoTracking()
                      join k in db.ClientTransferKeys.AsNoTracking() on c.Id equals k.MachineClientId
                      where c.OrganizationId == manufacturer && c.RevokedAt == null && k.RetiredAt == null
                      orderby c.Name
                      select new ExportRecipient(c.Id, c.ClientId, c.Name, k.KeyId)).ToListAsync(cancellationToken);
    }

    /// <summary>What the caller may export on the order now: classes with Download and Encrypt in the matrix that may reach the manufacturer.</summary>
    public async Task<List<ResolvedArtifact>> ExportableAsync(ClaimsPrincipal user, Order order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        var all = await artifacts.ListAsync(order, cancellationToken);
        var allowed = new List<ResolvedArtifact>();
        foreach (var cls in all.Select(a => a.Class).Distinct().Where(c => ShareRules.MayReceive(c, PartyTypes.Manufacturer)))
        {
            if (await policy.AuthorizeAsync(user, order, cls, DataAction.Download, cancellationToken) && await policy.AuthorizeAsync(user, order, cls, DataAction.Encrypt, cancellationToken))
            {
                allowed.AddRange(all.Where(a => a.Class == cls));
            }
        }

        return allowed;
    }

    public async Task<ExportOutcome> ExportAsync(ClaimsPrincipal user, Guid orderId, ArtifactKind kind, Guid artifactId, Guid clientId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var order = await OrdersApi.FindForCallerAsync(db, orderId, user, time, cancellationToken);
        var artifact = order is null ? null : await artifacts.FindAsync(order, kind, artifactId, cancellationToken);
        if (order is null || artifact is null)
        {
            return new ExportOutcome(ShareStatus.NotFound);
        }

        var mayRead = await policy.AuthorizeAsync(user, order, artifact.Class, DataAction.Download, cancellationToken);
        var mayEncrypt = await policy.AuthorizeAsync(user, order, artifact.Class, DataAction.Encrypt, cancellationToken);
        if (!mayRead || !mayEncrypt)
        {
            await RefusedAsync(order, artifact, clientId, "matrix", cancellationToken);
            return new ExportOutcome(ShareStatus.Forbidden, $"The stage permission matrix does not let you export {artifact.Class} at {order.State}.");
        }

        if (!ShareRules.MayReceive(artifact.Class, PartyTypes.Manufacturer))
        {
            await RefusedAsync(order, artifact, clientId, "data-class", cancellationToken);
            return new ExportOutcome(ShareStatus.Forbidden, $"{artifact.Class} may not leave the institution (R-DATA-6).");
        }

        var recipient = (await RecipientsAsync(order, cancellationToken)).SingleOrDefault(r => r.Id == clientId);
        var key = recipient is null ? null
            : await db.ClientTransferKeys.AsNoTracking().SingleAsync(k => k.MachineClientId == clientId && k.RetiredAt == null, cancellationToken);
        if (recipient is null || key is null)
        {
            await RefusedAsync(order, artifact, clientId, "client", cancellationToken);
            return new ExportOutcome(ShareStatus.Invalid, "Name a machine client of this order's manufacturer that is not revoked and has a registered transfer key.", "clientId");
        }

        byte[] plaintext;
        try
        {
            plaintext = await artifacts.ReadAsync(order, artifact, cancellationToken);
        }
        catch (BlobIntegrityException ex)
        {
            await RefusedAsync(order, artifact, clientId, "integrity", cancellationToken, ex.Message);
            return new ExportOutcome(ShareStatus.IntegrityFailure, "The stored file failed its integrity check; nothing was exported and an alert was raised.");
        }
        catch (ArtifactNotValidException ex)
        {
            await RefusedAsync(order, artifact, clientId, "package-void", cancellationToken, ex.Message);
            return new ExportOutcome(ShareStatus.NotValidNow, ex.Message);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var template = new PackageManifest(
            TransferPackage.FormatVersion, kind.ToString(), artifactId, order.Id, order.Number, artifact.FileName, artifact.ContentType, 0, "", now,
            recipient.Id, recipient.ClientId, key.KeyId, signer.KeyId, signer.PublicKeyPem, "", "", "", "", "", "");
        var package = TransferPackage.Seal(template, plaintext, Convert.FromBase64String(key.PublicKey), signer.SignTransferPackage);
        await audit.RecordAsync(new AuditEvent(AuditAction.PackageExported)
        {
            TargetType = "transfer-package",
            TargetId = $"{kind}:{artifactId}",
            OrderId = order.Id,
            Details = new Dictionary<string, object?>
            {
                ["class"] = artifact.Class.ToString(), ["client"] = recipient.ClientId, ["keyId"] = key.KeyId, ["plaintextSha256"] = Convert.ToHexStringLower(SHA256.HashData(plaintext)),
                ["packageSha256"] = Convert.ToHexStringLower(SHA256.HashData(package)), ["bytes"] = package.Length,
            },
        }, cancellationToken);
        return new ExportOutcome(ShareStatus.Ok, Package: package, FileName: $"{order.Number}-{kind}-{recipient.ClientId}.trbpkg");
    }

    /// <summary>Registers (or replaces) the client's transfer key; the caller has checked that they administer the client's organization.</summary>
    public async Task<ClientTransferKey?> RegisterKeyAsync(ClaimsPrincipal user, Clients.MachineClient client, byte[] spki, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var old in await db.ClientTransferKeys.Where(k => k.MachineClientId == client.Id && k.RetiredAt == null).ToListAsync(cancellationToken))
        {
            old.RetiredAt = now;
        }

        var key = new ClientTransferKey
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            MachineClientId = client.Id,
            KeyId = TransferPackage.KeyIdOf(spki),
            PublicKey = Convert.ToBase64String(spki),
            CreatedAt = now,
            CreatedBy = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!),
        };
        db.ClientTransferKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.ClientTransferKeyRegistered)
        {
            TargetType = "client",
            TargetId = client.ClientId,
            Details = new Dictionary<string, object?> { ["keyId"] = key.KeyId, ["algorithm"] = key.Algorithm },
        }, cancellationToken);
        return key;
    }

    private Task<long> RefusedAsync(Order order, ResolvedArtifact artifact, Guid clientId, string reason, CancellationToken cancellationToken, string? detail = null) =>
        audit.RecordAsync(new AuditEvent(AuditAction.PackageExported, reason == "integrity" ? AuditOutcome.Failed : AuditOutcome.Denied)
        {
            TargetType = "transfer-package",
            TargetId = $"{artifact.Kind}:{artifact.Id}",
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["reason"] = reason, ["client"] = clientId.ToString(), ["class"] = artifact.Class.ToString(), ["detail"] = detail },
        }, cancellationToken);
}
