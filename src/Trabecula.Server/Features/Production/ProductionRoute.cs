using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Orders;

namespace Trabecula.Server.Features.Production;

/// <summary>Where one step of the route stands: Done, or why not (Missing, Failed, QaPending, QaRejected, AttachmentMissing, IndicatorNotPassed).</summary>
public sealed record RouteStepStatus(string Kind, IReadOnlyList<string> Required, bool QaSignOff, string Status, Guid? StepId);

/// <summary>
/// The order's route (from the device category's configuration) against what was recorded. The
/// latest record of each kind counts; a step is done when it passed, carries its required
/// fields, has its QA sign-off where the route asks for one, and (for sterilization) its batch's
/// indicator passed.
/// </summary>
public sealed class ProductionRoute(TrabeculaDbContext db, IOptions<ProductionOptions> options)
{
    public const string Done = "Done";

    public DeviceCategoryProduction ProfileFor(Order order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return options.Value.Categories.TryGetValue(order.DeviceCategory, out var profile)
            ? profile
            : throw new InvalidOperationException($"No production profile for device category {order.DeviceCategory}.");
    }

    public async Task<IReadOnlyList<RouteStepStatus>> EvaluateAsync(Order order, CancellationToken cancellationToken)
    {
        var profile = ProfileFor(order);
        var steps = await db.ProductionSteps.AsNoTracking().Where(s => s.OrderId == order.Id).ToListAsync(cancellationToken);
        var latest = steps.GroupBy(s => s.Kind).ToDictionary(g => g.Key, g => g.OrderByDescending(s => s.RecordedAt).ThenByDescending(s => s.Id).First());
        var latestIds = latest.Values.Select(s => s.Id).ToList();
        var withAttachments = await db.ProductionAttachments.AsNoTracking().Where(a => latestIds.Contains(a.StepId)).Select(a => a.StepId).Distinct().ToListAsync(cancellationToken);
        var batchIds = latest.Values.Where(s => s.SterilizationBatchId is not null).Select(s => s.SterilizationBatchId!.Value).ToList();
        var batches = await db.SterilizationBatches.AsNoTracking().Where(b => batchIds.Contains(b.Id)).ToDictionaryAsync(b => b.Id, b => b.IndicatorResult, cancellationToken);
        return [.. profile.Route.Select(r =>
        {
            if (!latest.TryGetValue(r.Kind, out var step))
            {
                return new RouteStepStatus(r.Kind.ToString(), r.Required, r.QaSignOff, "Missing", null);
            }

            var status = step.Result == StepResult.Fail ? "Failed"
                : MissingFields(r, step, withAttachments.Contains(step.Id)).Count > 0 ? (r.Required.Contains("attachment") && !withAttachments.Contains(step.Id) ? "AttachmentMissing" : "Missing")
                : step.SterilizationBatchId is { } b && batches.GetValueOrDefault(b) != IndicatorResult.Pass ? "IndicatorNotPassed"
                : r.QaSignOff && step.QaApproved is null ? "QaPending"
                : r.QaSignOff && step.QaApproved == false ? "QaRejected"
                : Done;
            return new RouteStepStatus(r.Kind.ToString(), r.Required, r.QaSignOff, status, step.Id);
        })];
    }

    /// <summary>The route's required fields a record lacks ("attachment" only once files could have been attached).</summary>
    public static List<string> MissingFields(RouteStep route, ProductionStep step, bool hasAttachment)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(step);
        var parameters = ReadParameters(step.Parameters);
        return [.. route.Required.Where(field => field switch
        {
            "machine" => step.MachineId is null,
            "materialLot" => step.MaterialLotId is null,
            "sterilizationBatch" => step.SterilizationBatchId is null,
            "attachment" => !hasAttachment,
            _ => !parameters.TryGetValue(field, out var value) || string.IsNullOrWhiteSpace(value),
        })];
    }

    public static Dictionary<string, string> ReadParameters(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];

    /// <summary>The sentence a refused release gives: each step that is not done, and why.</summary>
    public static string Describe(IEnumerable<RouteStepStatus> open) =>
        "Missing or failed steps: " + string.Join(", ", open.Select(s => $"{s.Kind} ({s.Status})")) + ".";
}

/// <summary>
/// The `release` move (QC release, T/CAMDI 028 clause 4) waits for every step of the route to be
/// done, including the QC release record that assigned the device identifier.
/// </summary>
internal sealed class ProductionCompleteGuard(ProductionRoute route, TrabeculaDbContext db) : ITransitionGuard
{
    public IReadOnlySet<string> Transitions { get; } = new HashSet<string>(StringComparer.Ordinal) { "release" };

    public async Task<GuardFailure?> CheckAsync(Order order, CancellationToken cancellationToken)
    {
        var open = (await route.EvaluateAsync(order, cancellationToken)).Where(s => s.Status != ProductionRoute.Done).ToList();
        if (open.Count > 0)
        {
            return new GuardFailure("ProductionIncomplete", ProductionRoute.Describe(open));
        }

        return await db.DeviceIdentifiers.AnyAsync(d => d.OrderId == order.Id, cancellationToken)
            ? null
            : new GuardFailure("DeviceIdentifierMissing", "The device has no identifier yet: record the QC release.");
    }
}
