using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Production;
using Trabecula.Server.Features.Traceability;

namespace Trabecula.Server.Features.Designs;

/// <summary>
/// What production reads as "the released package" (增材制造数据): the version and the manifest's
/// SHA-256 of the package in force. A data-processing record must name this hash, so the factory's
/// records point at exactly the files the physician signed.
/// </summary>
internal sealed class ReleasedPackageFromDesigns(DesignReleases releases) : IReleasedPackageSource
{
    public async Task<Production.ReleasedPackage?> CurrentAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var package = await releases.GetReleasedPackageAsync(orderId, cancellationToken);
        return package is null ? null : new Production.ReleasedPackage(FormattableString.Invariant($"v{package.VersionNumber}"), package.ManifestSha256);
    }
}

/// <summary>
/// The design part of a device's history (R-TRACE-3): every version with its files' hashes, every
/// signed decision with signer and meaning (superseded ones included), every released package.
/// </summary>
internal sealed class DesignHistoryFromDesigns(TrabeculaDbContext db) : IDesignHistorySource
{
    public async Task<IReadOnlyList<DesignTraceEntry>> ForOrderAsync(Guid orderId, CancellationToken cancellationToken)
    {
        var versions = await db.DesignVersions.AsNoTracking().Where(v => v.OrderId == orderId).ToListAsync(cancellationToken);
        var numbers = versions.ToDictionary(v => v.Id, v => FormattableString.Invariant($"v{v.Number}"));
        var signatures = await db.DesignSignatures.AsNoTracking().Where(s => s.OrderId == orderId).ToListAsync(cancellationToken);
        var packages = await db.ProductionPackages.AsNoTracking().Where(p => p.OrderId == orderId).ToListAsync(cancellationToken);
        var entries = new List<DesignTraceEntry>();
        entries.AddRange(versions.Select(v => new DesignTraceEntry("DesignVersion", numbers[v.Id], null, v.CreatedByName, v.CreatedAt, null)));
        entries.AddRange(signatures.Select(s => new DesignTraceEntry(
            s.SupersededAt is null ? "DesignSignature" : "DesignSignatureSuperseded", numbers.GetValueOrDefault(s.VersionId, "?"), null,
            $"{s.SignerName} ({s.LicenceNumber})", s.SignedAt, s.Meaning.ToString())));
        entries.AddRange(packages.Select(p => new DesignTraceEntry(
            p.RevokedAt is null ? "ProductionPackage" : "ProductionPackageRevoked", numbers.GetValueOrDefault(p.VersionId, "?"), p.ManifestSha256, p.ReleasedByName, p.ReleasedAt, null)));
        return [.. entries.OrderBy(e => e.OccurredAt)];
    }
}
