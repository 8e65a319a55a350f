namespace Trabecula.Server.Features.Production;

/// <summary>The production package the designer released for an order (增材制造数据): its version and the SHA-256 of its content.</summary>
public sealed record ReleasedPackage(string Version, string Sha256);

/// <summary>
/// Where production reads "the released package" from. The designs feature (design versions,
/// signed approvals, the released package) provides the real one; until it is registered the
/// default answers null, and a data-processing record's package hash is then taken as recorded.
/// When a package exists, the hash a data-processing step names must be its hash.
/// </summary>
public interface IReleasedPackageSource
{
    Task<ReleasedPackage?> CurrentAsync(Guid orderId, CancellationToken cancellationToken);
}

/// <summary>The stand-in until the designs feature registers its own source.</summary>
internal sealed class NoReleasedPackageSource : IReleasedPackageSource
{
    public Task<ReleasedPackage?> CurrentAsync(Guid orderId, CancellationToken cancellationToken) => Task.FromResult<ReleasedPackage?>(null);
}
