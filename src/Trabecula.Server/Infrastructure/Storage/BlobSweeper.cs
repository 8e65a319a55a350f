using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Server.Data;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// Removes what a crash or a failed write left behind: temp files, and files without a Blobs row
/// (the row is written last, so such a file was never acknowledged). Only things older than
/// Storage:OrphanGraceSeconds go, so a write in progress in this or another process is safe.
/// </summary>
internal sealed partial class BlobSweeper(BlobTargets targets, IServiceScopeFactory scopes, IOptions<StorageOptions> options, TimeProvider time, ILogger<BlobSweeper> logger)
    : BackgroundService
{
    public sealed record Result(int Temporary, int Orphans);

    public async Task<Result> SweepAsync(CancellationToken cancellationToken)
    {
        int temporary = 0, orphans = 0;
        foreach (var target in targets.All)
        {
            var (t, o) = await SweepAsync(target, cancellationToken);
            temporary += t;
            orphans += o;
        }

        if (temporary + orphans > 0)
        {
            LogSwept(logger, temporary, orphans);
        }

        return new Result(temporary, orphans);
    }

    private async Task<(int Temporary, int Orphans)> SweepAsync(IBlobTarget target, CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromSeconds(options.Value.OrphanGraceSeconds);
        int temporary = 0, orphans = 0;
        var candidates = new List<string>();
        await foreach (var item in target.ListAsync(cancellationToken))
        {
            if (item.LastModified > cutoff)
            {
                continue;
            }

            if (item.IsTemporary)
            {
                await target.DeleteAsync(item.Name, temporary: true, cancellationToken);
                temporary++;
            }
            else if (BlobEnvelope.IsKey(item.Name))
            {
                candidates.Add(item.Name);
            }
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        foreach (var batch in candidates.Chunk(500))
        {
            var known = (await db.Blobs.AsNoTracking().Where(b => batch.Contains(b.Key) && b.Target == target.Name).Select(b => b.Key).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
            foreach (var key in batch.Where(k => !known.Contains(k)))
            {
                await target.DeleteAsync(key, temporary: false, cancellationToken);
                orphans++;
            }
        }

        return (temporary, orphans);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The schema may not exist yet (a verb that does not migrate); try again next round.
                LogFailed(logger, ex);
            }

            await Task.Delay(TimeSpan.FromSeconds(options.Value.SweepIntervalSeconds), time, stoppingToken);
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Blob sweeper removed {Temporary} temp file(s) and {Orphans} orphaned blob(s)")]
    private static partial void LogSwept(ILogger logger, int temporary, int orphans);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Blob sweep failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
