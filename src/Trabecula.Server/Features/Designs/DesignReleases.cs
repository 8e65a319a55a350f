using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Orders;

namespace Trabecula.Server.Features.Designs;

/// <summary>One AM file of a released package.</summary>
public sealed record PackageFile(Guid Id, string Name, string Format, long Length, string Sha256);

/// <summary>What the production feature reads of a release: which version, which approval, the manifest's hash and the files.</summary>
public sealed record ReleasedPackage(
    Guid Id, Guid OrderId, Guid VersionId, int VersionNumber, Guid SignatureId, string ManifestSha256, long ManifestLength,
    DateTime ReleasedAt, string ReleasedBy, IReadOnlyList<PackageFile> Files);

/// <summary>
/// The public face of releases for other features (production records name the package they were
/// made from): the package in force on an order, and whether it still holds.
/// </summary>
public sealed class DesignReleases(TrabeculaDbContext db, DesignApprovals approvals)
{
    /// <summary>The released, not revoked package of the order, or null.</summary>
    public async Task<ReleasedPackage?> GetReleasedPackageAsync(Guid orderId, CancellationToken cancellationToken = default)
    {
        var package = await db.ProductionPackages.AsNoTracking().Where(p => p.OrderId == orderId && p.RevokedAt == null)
            .OrderByDescending(p => p.ReleasedAt).FirstOrDefaultAsync(cancellationToken);
        if (package is null)
        {
            return null;
        }

        var number = await db.DesignVersions.AsNoTracking().Where(v => v.Id == package.VersionId).Select(v => v.Number).SingleAsync(cancellationToken);
        var files = await db.DesignFiles.AsNoTracking().Where(f => f.VersionId == package.VersionId && f.Kind == DesignFileKind.Model)
            .OrderBy(f => f.FileName).ThenBy(f => f.Id)
            .Select(f => new PackageFile(f.Id, f.FileName, f.Format, f.Length, f.Sha256)).ToListAsync(cancellationToken);
        return new ReleasedPackage(package.Id, package.OrderId, package.VersionId, number, package.SignatureId, package.ManifestSha256, package.ManifestLength,
            package.ReleasedAt, package.ReleasedByName, files);
    }

    /// <summary>Re-checks the package's approval now: signature, rows, every file's hash, patient data, supersession.</summary>
    public async Task<SignatureCheck> VerifyAsync(Order order, ReleasedPackage package, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(package);
        var signature = await db.DesignSignatures.AsNoTracking().SingleAsync(s => s.Id == package.SignatureId, cancellationToken);
        return await approvals.CheckAsync(signature, order, cancellationToken);
    }
}
