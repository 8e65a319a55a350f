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

    public async Task<GuardFailure?> CheckAsync(Order order, CancellationToken cancellationToken)
    {
        var confirmed = await db.OrderConfirmations.AnyAsync(
            c => c.OrderId == order.Id && c.ArtifactType == "requirements" && c.ArtifactVersion == order.CurrentRevision
                && db.Users.Any(u => u.Id == c.ActorId && u.OrganizationId == order.InstitutionId),
            cancellationToken);
        return confirmed
            ? null
            : new GuardFailure("RequirementsUnconfirmed", $"The institution has not confirmed requirements revision {order.CurrentRevision}.");
    }
}
