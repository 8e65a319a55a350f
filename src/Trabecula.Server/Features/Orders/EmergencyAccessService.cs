using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Audit;

namespace Trabecula.Server.Features.Orders;

/// <summary>
/// Break-glass grants (R-AUTH-6): which one is open for a person on an order right now, the mark
/// put on every access made under it, and closing the windows that ran out.
/// </summary>
public sealed class EmergencyAccessService(TrabeculaDbContext db, IAuditLog audit, TimeProvider time)
{
    /// <summary>The audit detail that marks an access made under a grant (value: the grant id).</summary>
    public const string MarkKey = "emergencyGrant";

    /// <summary>The grant of <paramref name="user"/> on the order that is open at this moment, if any.</summary>
    public async Task<EmergencyGrant?> ActiveAsync(ClaimsPrincipal user, Guid orderId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
        {
            return null;
        }

        var now = time.GetUtcNow().UtcDateTime;
        return await db.EmergencyGrants.AsNoTracking()
            .Where(g => g.UserId == userId && g.OrderId == orderId && g.EndedAt == null && g.ExpiresAt > now)
            .OrderByDescending(g => g.ExpiresAt)
            .FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>Audit details marking an access under an open grant; null when there is none.</summary>
    public async Task<IReadOnlyDictionary<string, object?>?> MarkAsync(ClaimsPrincipal user, Guid orderId, CancellationToken cancellationToken = default) =>
        await ActiveAsync(user, orderId, cancellationToken) is { } grant
            ? new Dictionary<string, object?> { [MarkKey] = grant.Id.ToString() }
            : null;

    /// <summary>
    /// Closes every window that has run out (they stop granting anything at the second they
    /// expire; this records the end) and audits each. Returns how many were closed. Safe to run
    /// from several instances: a grant is closed by one conditional update.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var expired = await db.EmergencyGrants.AsNoTracking()
            .Where(g => g.EndedAt == null && g.ExpiresAt <= now)
            .Select(g => new { g.Id, g.OrderId, g.ExpiresAt, g.UserName })
            .Take(500)
            .ToListAsync(cancellationToken);
        var closed = 0;
        foreach (var grant in expired)
        {
            var expiresAt = grant.ExpiresAt;
            var rows = await db.EmergencyGrants
                .Where(g => g.Id == grant.Id && g.EndedAt == null)
                .ExecuteUpdateAsync(u => u.SetProperty(g => g.EndedAt, expiresAt), cancellationToken);
            if (rows == 0)
            {
                continue;
            }

            closed++;
            await audit.RecordAsync(new AuditEvent(AuditAction.EmergencyAccessEnded)
            {
                TargetType = "emergency-access",
                TargetId = grant.Id.ToString(),
                OrderId = grant.OrderId,
                Actor = AuditActor.System("emergency-access-expiry"),
                Details = new Dictionary<string, object?> { ["holder"] = grant.UserName, ["how"] = "expired" },
            }, cancellationToken);
        }

        return closed;
    }
}

/// <summary>Runs the expiry sweep every EmergencyAccess:SweepSeconds so ended windows show up for review on their own.</summary>
internal sealed partial class EmergencyExpirySweeper(IServiceScopeFactory scopes, TimeProvider time, Microsoft.Extensions.Options.IOptions<EmergencyAccessOptions> options, ILogger<EmergencyExpirySweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.SweepSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var closed = await scope.ServiceProvider.GetRequiredService<EmergencyAccessService>().SweepAsync(stoppingToken);
                    if (closed > 0)
                    {
                        LogClosed(logger, closed);
                    }
                }
                catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
                {
                    // A database hiccup must not stop the sweeper; the next tick retries.
                    LogSweepFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Closed {Count} expired emergency access windows")]
    private static partial void LogClosed(ILogger logger, int count);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Emergency access sweep failed; retrying on the next tick")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
