using Trabecula.Server.Features.Audit;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Monitoring;

/// <summary>
/// A blob that fails authentication or its hash (INT-01): an integrity alert record and an audit
/// entry, written before the read fails, whichever feature was reading.
/// </summary>
internal sealed class BlobIntegrityAlerts(IServiceScopeFactory scopes) : IBlobIntegrityObserver
{
    public async Task OnIntegrityFailureAsync(string key, string reason, Guid? orderId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AlertService>()
            .RaiseAsync(AlertKind.IntegrityFailure, key, $"Stored blob {key} failed its integrity check ({reason}); nothing was returned.", CancellationToken.None);
        await scope.ServiceProvider.GetRequiredService<IAuditLog>().RecordAsync(new AuditEvent(AuditAction.BlobIntegrityFailed, AuditOutcome.Failed)
        {
            TargetType = "blob",
            TargetId = key,
            OrderId = orderId,
            Details = new Dictionary<string, object?> { ["reason"] = reason },
        }, CancellationToken.None);
    }
}

internal static class BlobIntegrityAlertsExtensions
{
    public static IHostApplicationBuilder AddBlobIntegrityAlerts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IBlobIntegrityObserver, BlobIntegrityAlerts>();
        return builder;
    }
}
