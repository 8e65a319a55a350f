using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Orders;

namespace Trabecula.Server.Features.Designs;

/// <summary>
/// The design feature's preconditions on the lifecycle. Each design act (submit, sign, change)
/// adds its row to the request's unit of work and then asks the orders feature to make the move in
/// the same SaveChanges: the guards below look at the rows about to be saved
/// (<c>Local</c>) as well as the stored ones, so the act and the move commit together or not at all,
/// and the plain <c>/transitions</c> endpoint, which adds no such row, cannot make these moves.
/// </summary>
internal sealed class DesignSubmittedGuard(TrabeculaDbContext db) : ITransitionGuard
{
    public IReadOnlySet<string> Transitions { get; } = new HashSet<string>(StringComparer.Ordinal) { "submit-design" };

    public async Task<GuardFailure?> CheckAsync(Order order, CancellationToken cancellationToken)
    {
        var pending = db.DesignReviewRequests.Local.FirstOrDefault(r => r.OrderId == order.Id && r.Status == ReviewStatus.Pending && db.Entry(r).State == EntityState.Added);
        if (pending is null)
        {
            return new GuardFailure("DesignNotSubmitted", "Submit a design version (POST /api/orders/{id}/designs/{versionId}/submit); it opens the review request.");
        }

        if (!await db.DesignFiles.AnyAsync(f => f.VersionId == pending.VersionId && f.Kind == DesignFileKind.Model && f.Valid, cancellationToken))
        {
            return new GuardFailure("DesignModelInvalid", "The version has no valid model (closed, manifold, consistently oriented).");
        }

        // R-DES-2: after an approval, a new version waits for the designer's V&V record of the change.
        var lastApproval = await db.DesignSignatures.Where(s => s.OrderId == order.Id && s.Meaning == SignatureMeaning.ApproveForManufacture)
            .OrderByDescending(s => s.SignedAt).Select(s => (DateTime?)s.SignedAt).FirstOrDefaultAsync(cancellationToken);
        if (lastApproval is { } approvedAt && !await db.DesignChangeRecords.AnyAsync(c => c.OrderId == order.Id && c.CreatedAt >= approvedAt, cancellationToken))
        {
            return new GuardFailure("DesignChangeUnrecorded", "A change after approval needs the designer's verification and validation record first.");
        }

        return null;
    }
}

/// <summary>approve-design and reject-design happen only with the physician's signature of that meaning on the open request.</summary>
internal sealed class DesignSignedGuard(TrabeculaDbContext db) : ITransitionGuard
{
    public IReadOnlySet<string> Transitions { get; } = new HashSet<string>(StringComparer.Ordinal) { "approve-design", "reject-design" };

    public Task<GuardFailure?> CheckAsync(Order order, CancellationToken cancellationToken)
    {
        // Which of the two moves is asked is not passed to guards; the signature being added says which it is.
        var signed = db.DesignSignatures.Local.Any(s => s.OrderId == order.Id && db.Entry(s).State == EntityState.Added);
        return Task.FromResult(signed
            ? null
            : new GuardFailure("DesignUnsigned", "The physician decides by electronic signature (POST /api/orders/{id}/design/signatures), which makes this move."));
    }
}

/// <summary>change-approved-design needs the designer's V&amp;V record (what changed, why, evidence), added by the change itself.</summary>
internal sealed class DesignChangeRecordedGuard(TrabeculaDbContext db) : ITransitionGuard
{
    public IReadOnlySet<string> Transitions { get; } = new HashSet<string>(StringComparer.Ordinal) { "change-approved-design" };

    public Task<GuardFailure?> CheckAsync(Order order, CancellationToken cancellationToken) =>
        Task.FromResult(db.DesignChangeRecords.Local.Any(c => c.OrderId == order.Id && db.Entry(c).State == EntityState.Added)
            ? null
            : new GuardFailure("DesignChangeUnrecorded", "A change after approval is recorded with its verification and validation (POST /api/orders/{id}/design/changes)."));
}

/// <summary>
/// start-manufacturing waits for a released production package whose approval still stands and
/// whose files still hash as signed (INT-04): re-read now, not trusted from the release.
/// </summary>
internal sealed class PackageReleasedGuard(DesignReleases releases) : ITransitionGuard
{
    public IReadOnlySet<string> Transitions { get; } = new HashSet<string>(StringComparer.Ordinal) { "start-manufacturing" };

    public async Task<GuardFailure?> CheckAsync(Order order, CancellationToken cancellationToken)
    {
        var package = await releases.GetReleasedPackageAsync(order.Id, cancellationToken);
        if (package is null)
        {
            return new GuardFailure("PackageNotReleased", "No production package is released: the designer releases the approved version.");
        }

        var check = await releases.VerifyAsync(order, package, cancellationToken);
        return check.Valid
            ? null
            : new GuardFailure("PackageInvalid", $"The released package no longer holds: {string.Join(", ", check.Problems)}.");
    }
}
