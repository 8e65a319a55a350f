using Microsoft.Extensions.Diagnostics.HealthChecks;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Infrastructure.Health;

/// <summary>Ready only when the data folder can take a write: a full or read-only disk is not ready.</summary>
internal sealed partial class StorageHealthCheck(DataDirectory dataDirectory, ILogger<StorageHealthCheck> logger) : IHealthCheck
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
            LogNotWritable(logger, ex);
            return HealthCheckResult.Unhealthy("The data folder is not writable.");
        }
        finally
        {
            TryDelete(probe);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The write already failed and said so; a failing clean-up adds nothing.
        }
    }

    [LoggerMessage(EventId = 1302, Level = LogLevel.Error, Message = "Readiness: the data folder is not writable")]
    private static partial void LogNotWritable(ILogger logger, Exception exception);
}
