using Microsoft.Extensions.Diagnostics.HealthChecks;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Infrastructure.Health;

/// <summary>Ready only when the data folder can take a write: a full or read-only disk is not ready.</summary>
internal sealed class StorageHealthCheck(DataDirectory dataDirectory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var probe = dataDirectory.PathOf($".ready-{Guid.NewGuid():N}");
        try
        {
            await File.WriteAllBytesAsync(probe, [1, 2, 3, 4], cancellationToken);
            return HealthCheckResult.Healthy("data folder writable");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy("The data folder is not writable.", ex);
        }
        finally
        {
            File.Delete(probe);
        }
    }
}
