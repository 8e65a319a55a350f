using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Infrastructure.Keys;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// After a rotation, moves every data key to the active KEK: batches of rows, each batch one
/// transaction, so a kill loses at most the batch in flight and the next run (the verb again,
/// or the server's background pass at start) carries on where it stopped. Blob files are not
/// touched: only the wrapped data keys in the Blobs rows change, and until a row is moved its
/// old KEK still opens it.
/// </summary>
internal sealed partial class KeyRewrapper(KeyRing keyRing, IServiceScopeFactory scopes, ILogger<KeyRewrapper> logger) : BackgroundService
{
    public const int BatchSize = 200;

    /// <summary>Re-wraps what is not under the active KEK; returns how many data keys moved.</summary>
    public async Task<int> RewrapAsync(IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var active = await keyRing.ActiveAsync(cancellationToken);
        var moved = 0;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
            var batch = await db.Blobs.Where(b => b.KekId != active).OrderBy(b => b.Key).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                return moved;
            }

            foreach (var row in batch)
            {
                var dataKey = await keyRing.UnwrapAsync(row.KekId, row.WrappedKey, row.Key, cancellationToken);
                try
                {
                    row.WrappedKey = await keyRing.WrapAsync(active, dataKey, row.Key, cancellationToken);
                    row.KekId = active;
                }
                finally
                {
                    System.Security.Cryptography.CryptographicOperations.ZeroMemory(dataKey);
                }
            }

            await db.SaveChangesAsync(cancellationToken);
            moved += batch.Count;
            progress?.Report(moved);
            CrashPoints.Hit("rewrap-batch");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Yield();
            var moved = await RewrapAsync(null, stoppingToken);
            if (moved > 0)
            {
                LogResumed(logger, moved);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 1403, Level = LogLevel.Information, Message = "Finished an interrupted key rotation: {Moved} data key(s) re-wrapped")]
    private static partial void LogResumed(ILogger logger, int moved);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Warning, Message = "Re-wrapping data keys failed; the next start tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
