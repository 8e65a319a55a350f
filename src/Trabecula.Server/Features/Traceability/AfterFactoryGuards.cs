using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Orders;

namespace Trabecula.Server.Features.Traceability;

/// <summary>Delivered waits for the institution's receipt of an intact package in good condition (R-TRACE-2).</summary>
internal sealed class DeliveryReceivedGuard(TrabeculaDbContext db) : ITransitionGuard
{
    public IReadOnlySet<string> Transitions { get; } = new HashSet<string>(StringComparer.Ordinal) { "confirm-delivery" };

    public async Task<GuardFailure?> CheckAsync(Order order, CancellationToken cancellationToken)
    {
        var shipment = await db.Shipments.AsNoTracking().SingleOrDefaultAsync(s => s.OrderId == order.Id, cancellationToken);
        return shipment switch
        {
            null => new GuardFailure("NotShipped", "The manufacturer has not recorded the shipment."),
            { ReceivedAt: null } => new GuardFailure("ReceiptMissing", "The institution has not recorded the receipt."),
            { Condition: not ArrivalCondition.Good } or { PackageIntact: not true } =>
                new GuardFailure("DeliveryDamaged", "The device arrived damaged or its package was not intact: it is not accepted."),
            _ => null,
        };
    }
}

/// <summary>Used waits for the surgical-use record whose device code matched the order.</summary>
internal sealed class SurgicalUseRecordedGuard(TrabeculaDbContext db) : ITransitionGuard
{
    public IReadOnlySet<string> Transitions { get; } = new HashSet<string>(StringComparer.Ordinal) { "record-surgical-use" };

    public async Task<GuardFailure?> CheckAsync(Order order, CancellationToken cancellationToken) =>
        await db.SurgicalUses.AnyAsync(u => u.OrderId == order.Id, cancellationToken)
            ? null
            : new GuardFailure("SurgicalUseMissing", "Record the surgery with the scanned device identifier first.");
}

/// <summary>Closing waits for the final follow-up, or a recorded reason why there is none.</summary>
internal sealed class FollowUpCompleteGuard(TrabeculaDbContext db) : ITransitionGuard
{
    public IReadOnlySet<string> Transitions { get; } = new HashSet<string>(StringComparer.Ordinal) { "close" };

    public async Task<GuardFailure?> CheckAsync(Order order, CancellationToken cancellationToken)
    {
        if (await db.FollowUpClosures.AnyAsync(c => c.OrderId == order.Id, cancellationToken)
            || await db.FollowUps.AnyAsync(f => f.OrderId == order.Id && f.IsFinal && f.RecordedAt != null, cancellationToken))
        {
            return null;
        }

        return new GuardFailure("FinalFollowUpMissing", "Record the final follow-up, or the reason the order closes without it.");
    }
}
