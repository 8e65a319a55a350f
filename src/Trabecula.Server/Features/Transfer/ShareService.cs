using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Features.Permissions;
using Trabecula.Server.Infrastructure.Security;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Transfer;

public sealed record ShareView(
    Guid Id, Guid OrderId, string ArtifactKind, Guid ArtifactId, string DataClass, string Label, string OwnerName, string RecipientName,
    DateTime CreatedAt, DateTime ExpiresAt, DateTime? RevokedAt, bool Valid, string ContentUrl)
{
    public static ShareView From(ArtifactShare s, DateTime now) => new(
        s.Id, s.OrderId, s.ArtifactKind.ToString(), s.ArtifactId, s.DataClass.ToString(), s.Label, s.OwnerName, s.RecipientName,
        s.CreatedAt, s.ExpiresAt, s.RevokedAt, s.IsValidAt(now), $"/api/shares/{s.Id}/content");
}

/// <summary>How an attempt ended; the API and the pages turn it into their answer.</summary>
public enum ShareStatus
{
    Ok,
    NotFound,
    Forbidden,
    Invalid,
    IntegrityFailure,
    NotValidNow,
}

public sealed record ShareOutcome(ShareStatus Status, string Detail = "", string? Field = null, ArtifactShare? Share = null, byte[]? Content = null, ResolvedArtifact? Artifact = null, StoredBlob? Blob = null);

/// <summary>
/// Sharing one artifact with one person of another participating organization (R-XFER-2 share).
/// Creating asks the matrix twice for the sharer (Download: they may read it; Share: they may pass
/// it on) and the data-class rule for the recipient's party (<see cref="ShareRules"/>). Every
/// download checks, on the server and against the clock, that the share names the caller, is
/// neither revoked nor expired, and that the caller's organization still takes part in the order.
/// Every create, download, revoke and refusal is audited.
/// </summary>
public sealed class ShareService(
    TrabeculaDbContext db, AccessPolicy policy, ArtifactResolver artifacts, IAuditLog audit, IOptions<ShareOptions> options, TimeProvider time)
{
    public int DefaultHours => options.Value.DefaultHours;

    public int MaxHours => options.Value.MaxHours;

    public async Task<ShareOutcome> CreateAsync(
        ClaimsPrincipal user, Guid orderId, ArtifactKind kind, Guid artifactId, string? recipientUserName, int? hours, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, orderId, user, time, cancellationToken);
        var artifact = order is null ? null : await artifacts.FindAsync(order, kind, artifactId, cancellationToken);
        if (order is null || artifact is null)
        {
            return new ShareOutcome(ShareStatus.NotFound);
        }

        // Both questions are asked (and audited) even when the first fails, so the audit shows the whole decision.
        var mayRead = await policy.AuthorizeAsync(user, order, artifact.Class, DataAction.Download, cancellationToken);
        var mayShare = await policy.AuthorizeAsync(user, order, artifact.Class, DataAction.Share, cancellationToken);
        if (!mayRead || !mayShare)
        {
            await RefusedAsync(order.Id, artifact, "matrix", null, cancellationToken);
            return new ShareOutcome(ShareStatus.Forbidden, $"The stage permission matrix does not let you share {artifact.Class} at {order.State}.");
        }

        var validity = hours ?? options.Value.DefaultHours;
        if (validity < 1 || validity > options.Value.MaxHours)
        {
            await RefusedAsync(order.Id, artifact, "validity", recipientUserName, cancellationToken);
            return new ShareOutcome(ShareStatus.Invalid, $"A share lasts 1 to {options.Value.MaxHours} hours.", "hours");
        }

        var ownOrganization = OrganizationOf(user);
        var normalized = (recipientUserName ?? "").Trim().ToUpperInvariant();
        var recipient = normalized.Length == 0 ? null
            : await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.NormalizedUserName == normalized && u.Status == AccountStatus.Active, cancellationToken);
        var recipientOrganization = recipient is null ? null : await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == recipient.OrganizationId, cancellationToken);
        var recipientParty = recipientOrganization is null ? PartyTypes.None : OrderParties.Of(order, recipientOrganization);
        if (recipient is null || recipientOrganization is null || recipientOrganization.Id == ownOrganization || recipientParty == PartyTypes.None)
        {
            // One answer for "no such user", "your own organization" and "not on this order", so the form cannot probe for accounts.
            await RefusedAsync(order.Id, artifact, "bad-recipient", recipientUserName, cancellationToken);
            return new ShareOutcome(ShareStatus.Invalid, "Name an active user of another organization that takes part in this order.", "recipient");
        }

        if (!ShareRules.MayReceive(artifact.Class, recipientParty))
        {
            await RefusedAsync(order.Id, artifact, "data-class", recipient.UserName, cancellationToken);
            return new ShareOutcome(ShareStatus.Forbidden, $"{artifact.Class} may not leave the institution (R-DATA-6); share the de-identified derivative instead.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var share = new ArtifactShare
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OrderId = order.Id,
            ArtifactKind = kind,
            ArtifactId = artifactId,
            DataClass = artifact.Class,
            Label = artifact.Label.Length > 300 ? artifact.Label[..300] : artifact.Label,
            OwnerId = ActorId(user),
            OwnerName = user.FindFirstValue(TrabeculaClaimTypes.RealName) ?? user.Identity?.Name ?? "",
            OwnerOrganizationId = ownOrganization,
            RecipientId = recipient.Id,
            RecipientName = string.IsNullOrEmpty(recipient.LegalName) ? recipient.UserName ?? "" : recipient.LegalName,
            RecipientOrganizationId = recipientOrganization.Id,
            CreatedAt = now,
            ExpiresAt = now.AddHours(validity),
        };
        db.ArtifactShares.Add(share);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.ShareCreated)
        {
            TargetType = "share",
            TargetId = share.Id.ToString(),
            OrderId = order.Id,
            Details = new Dictionary<string, object?>
            {
                ["artifactKind"] = kind.ToString(), ["artifactId"] = artifactId.ToString(), ["class"] = artifact.Class.ToString(),
                ["recipient"] = recipient.Id.ToString(), ["recipientOrganization"] = recipientOrganization.Id.ToString(), ["expiresAt"] = share.ExpiresAt,
            },
        }, cancellationToken);
        return new ShareOutcome(ShareStatus.Ok, Share: share);
    }

    /// <summary>Shares the caller's organization made on the order (404 for non-participants).</summary>
    public async Task<List<ArtifactShare>?> ListForOrderAsync(ClaimsPrincipal user, Guid orderId, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, orderId, user, time, cancellationToken);
        if (order is null)
        {
            return null;
        }

        var organization = OrganizationOf(user);
        return await db.ArtifactShares.AsNoTracking().Where(s => s.OrderId == orderId && s.OwnerOrganizationId == organization)
            .OrderByDescending(s => s.CreatedAt).ToListAsync(cancellationToken);
    }

    /// <summary>Shares naming the caller that are valid now.</summary>
    public async Task<List<ArtifactShare>> IncomingAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var me = ActorId(user);
        var now = time.GetUtcNow().UtcDateTime;
        var shares = await db.ArtifactShares.AsNoTracking().Where(s => s.RecipientId == me && s.ExpiresAt > now && s.RevokedAt == null)
            .OrderBy(s => s.ExpiresAt).ToListAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "shares-incoming", TargetId = me.ToString() }, cancellationToken);
        return shares;
    }

    /// <summary>The sharer ends the share; anyone else gets 404.</summary>
    public async Task<ShareOutcome> RevokeAsync(ClaimsPrincipal user, Guid shareId, CancellationToken cancellationToken)
    {
        var me = ActorId(user);
        var share = await db.ArtifactShares.SingleOrDefaultAsync(s => s.Id == shareId, cancellationToken);
        if (share is null || share.OwnerId != me)
        {
            await audit.RecordAsync(new AuditEvent(AuditAction.ShareRefused, AuditOutcome.Denied)
            {
                TargetType = "share", TargetId = shareId.ToString(), OrderId = share?.OrderId,
                Details = new Dictionary<string, object?> { ["operation"] = "revoke", ["reason"] = "not-owner" },
            }, cancellationToken);
            return new ShareOutcome(ShareStatus.NotFound);
        }

        if (share.RevokedAt is null)
        {
            share.RevokedAt = time.GetUtcNow().UtcDateTime;
            share.RevokedBy = me;
            await db.SaveChangesAsync(cancellationToken);
            await audit.RecordAsync(new AuditEvent(AuditAction.ShareRevoked) { TargetType = "share", TargetId = share.Id.ToString(), OrderId = share.OrderId }, cancellationToken);
        }

        return new ShareOutcome(ShareStatus.Ok, Share: share);
    }

    /// <summary>
    /// The shared artifact for its recipient. Not the recipient, or no longer on the order: 404
    /// (the share's existence is not theirs to learn). The recipient after expiry or revocation: 403.
    /// </summary>
    public async Task<ShareOutcome> ContentAsync(ClaimsPrincipal user, Guid shareId, CancellationToken cancellationToken)
    {
        var me = ActorId(user);
        var share = await db.ArtifactShares.AsNoTracking().SingleOrDefaultAsync(s => s.Id == shareId, cancellationToken);
        var order = share is null || share.RecipientId != me ? null : await OrdersApi.FindForCallerAsync(db, share.OrderId, user, time, cancellationToken);
        if (share is null || order is null)
        {
            await DownloadRefusedAsync(shareId, share?.OrderId, share is null ? "unknown" : "not-recipient", cancellationToken);
            return new ShareOutcome(ShareStatus.NotFound);
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (!share.IsValidAt(now))
        {
            await DownloadRefusedAsync(shareId, share.OrderId, share.RevokedAt is null ? "expired" : "revoked", cancellationToken);
            return new ShareOutcome(ShareStatus.Forbidden, share.RevokedAt is null ? "The share has expired." : "The share was revoked.");
        }

        var artifact = await artifacts.FindAsync(order, share.ArtifactKind, share.ArtifactId, cancellationToken);
        if (artifact is null)
        {
            await DownloadRefusedAsync(shareId, share.OrderId, "artifact-gone", cancellationToken);
            return new ShareOutcome(ShareStatus.NotFound);
        }

        // A file that is one blob streams like any other download (ranges, verified chunk by chunk,
        // aborted on a bad one, the store raising the alert); only a package is put together here.
        if (await artifacts.BlobAsync(artifact, cancellationToken) is { } blob)
        {
            await AuditDownloadAsync(share, blob.Length, cancellationToken);
            return new ShareOutcome(ShareStatus.Ok, Share: share, Artifact: artifact, Blob: blob);
        }

        byte[] content;
        try
        {
            content = await artifacts.ReadAsync(order, artifact, cancellationToken);
        }
        catch (BlobIntegrityException ex)
        {
            await DownloadRefusedAsync(shareId, share.OrderId, "integrity", cancellationToken, ex.Message);
            return new ShareOutcome(ShareStatus.IntegrityFailure, "The stored file failed its integrity check; nothing was returned and an alert was raised.");
        }
        catch (ArtifactNotValidException ex)
        {
            await DownloadRefusedAsync(shareId, share.OrderId, "package-void", cancellationToken, ex.Message);
            return new ShareOutcome(ShareStatus.NotValidNow, ex.Message);
        }

        await AuditDownloadAsync(share, content.Length, cancellationToken);
        return new ShareOutcome(ShareStatus.Ok, Share: share, Content: content, Artifact: artifact);
    }

    private Task<long> AuditDownloadAsync(ArtifactShare share, long bytes, CancellationToken cancellationToken) =>
        audit.RecordAsync(new AuditEvent(AuditAction.ShareDownloaded)
        {
            TargetType = "share",
            TargetId = share.Id.ToString(),
            OrderId = share.OrderId,
            Details = new Dictionary<string, object?> { ["artifactKind"] = share.ArtifactKind.ToString(), ["artifactId"] = share.ArtifactId.ToString(), ["bytes"] = bytes },
        }, cancellationToken);

    /// <summary>What the caller may share on the order now: the artifacts whose class the matrix lets them read and share.</summary>
    public async Task<(Order? Order, List<ResolvedArtifact> Shareable)> ShareableAsync(ClaimsPrincipal user, Guid orderId, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, orderId, user, time, cancellationToken);
        if (order is null)
        {
            return (null, []);
        }

        var all = await artifacts.ListAsync(order, cancellationToken);
        var allowed = new List<ResolvedArtifact>();
        foreach (var cls in all.Select(a => a.Class).Distinct())
        {
            if (await policy.AuthorizeAsync(user, order, cls, DataAction.Download, cancellationToken) && await policy.AuthorizeAsync(user, order, cls, DataAction.Share, cancellationToken))
            {
                allowed.AddRange(all.Where(a => a.Class == cls));
            }
        }

        return (order, allowed);
    }

    private Task<long> RefusedAsync(Guid orderId, ResolvedArtifact artifact, string reason, string? recipient, CancellationToken cancellationToken) =>
        audit.RecordAsync(new AuditEvent(AuditAction.ShareRefused, AuditOutcome.Denied)
        {
            TargetType = "share",
            TargetId = $"{artifact.Kind}:{artifact.Id}",
            OrderId = orderId,
            Details = new Dictionary<string, object?> { ["operation"] = "create", ["reason"] = reason, ["class"] = artifact.Class.ToString(), ["recipient"] = recipient },
        }, cancellationToken);

    private Task<long> DownloadRefusedAsync(Guid shareId, Guid? orderId, string reason, CancellationToken cancellationToken, string? detail = null) =>
        audit.RecordAsync(new AuditEvent(AuditAction.ShareRefused, reason == "integrity" ? AuditOutcome.Failed : AuditOutcome.Denied)
        {
            TargetType = "share",
            TargetId = shareId.ToString(),
            OrderId = orderId,
            Details = new Dictionary<string, object?> { ["operation"] = "download", ["reason"] = reason, ["detail"] = detail },
        }, cancellationToken);

    private static Guid ActorId(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);

    private static Guid OrganizationOf(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(TrabeculaClaimTypes.OrganizationId)!);
}
