using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Trabecula.Server.Data;

namespace Trabecula.Server.Infrastructure.Health;

/// <summary>Ready only when the database answers a query, not merely when a connection opens.</summary>
internal sealed partial class DatabaseHealthCheck(TrabeculaDbContext db, ILogger<DatabaseHealthCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var applied = await db.Database.GetAppliedMigrationsAsync(cancellationToken);
            var pending = await db.Database.GetPendingMigrationsAsync(cancellationToken);
            return pending.Any()
                ? HealthCheckResult.Unhealthy("The database schema is behind; run 'trabecula db migrate'.")
                : HealthCheckResult.Healthy($"{applied.Count()} migrations applied");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The exception text may name hosts or users; the log keeps it, the answer does not.
            LogUnreachable(logger, ex);
            return HealthCheckResult.Unhealthy("The database is not reachable.");
        }
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Error, Message = "Readiness: the database is not reachable")]
    private static partial void LogUnreachable(ILogger logger, Exception exception);
}
