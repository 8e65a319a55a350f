using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Orders;

namespace Trabecula.Server.Features.PatientData;

/// <summary>
/// DataConfirmed waits for the institution's confirmation of at least one dataset with content
/// (R-DATA-3, T/CAMDI 028 5.2.2): the patient-data feature's precondition on the lifecycle.
/// </summary>
internal sealed class PatientDataConfirmedGuard(TrabeculaDbContext db) : ITransitionGuard
{
    public IReadOnlySet<string> Transitions { get; } = new HashSet<string>(StringComparer.Ordinal) { "confirm-data" };

    public async Task<GuardFailure?> CheckAsync(Order order, CancellationToken cancellationToken) =>
        await db.PatientDatasets.AnyAsync(d => d.OrderId == order.Id && d.ConfirmedAt != null
            && (db.DicomInstances.Any(i => i.DatasetId == d.Id) || db.ScanFiles.Any(f => f.DatasetId == d.Id)), cancellationToken)
            ? null
            : new GuardFailure("PatientDataUnconfirmed", "The institution has not confirmed any dataset of this order.");
}
