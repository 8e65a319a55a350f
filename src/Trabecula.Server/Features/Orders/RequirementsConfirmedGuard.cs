using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;

namespace Trabecula.Server.Features.Orders;

/// <summary>
/// The institution's final confirmation (R-CASE-2, T/CAMDI 028 5.1.3): the data cannot be
/// confirmed for design while the current requirements revision has no confirmation from one of
/// the institution's own people. A revision after a confirmation needs a new one.
/// </summary>
internal sealed class RequirementsConfirmedGuard(TrabeculaDbContext db) : ITransitionGuard
{
    public IReadOnlySet<string> Transitions { get; } = new HashSet<string>(StringComparer.Ordinal) { "confirm-data" };

    /// <summary>True when one of the institution's own people confirmed revision <paramref name="revision"/> (the order page asks too).</summary>
    public static Task<bool> IsConfirmedAsync(TrabeculaDbContext db, Guid orderId, Guid institutionId, int revision, CancellationToken cancellationToken) =>
        db.OrderConfirmations.AnyAsync(
            c => c.OrderId == orderId && c.ArtifactType == "requirements" && c.ArtifactVersion == revision
                && db.Users.Any(u => u.Id == c.ActorId && u.OrganizationId == institutionId),
            cancellationToken);

    public async Task<GuardFailure?> CheckAsync(Order order, CancellationToken cancellationToken)
    {
        var confirmed = await IsConfirmedAsync(db, order.Id, order.InstitutionId, order.CurrentRevision, cancellationToken);
        return confirmed
            ? null
            : new GuardFailure("RequirementsUnconfirmed", $"The institution has not confirmed requirements revision {order.CurrentRevision}.");
    }
}
