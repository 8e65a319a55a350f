using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;

namespace Trabecula.Server.Features.Audit;

/// <summary>An auditor's search (R-SEC-2): every filter optional, newest first, paged by sequence.</summary>
public sealed record AuditFilter(
    DateTime? From = null,
    DateTime? To = null,
    string? Actor = null,
    AuditAction? Action = null,
    string? TargetType = null,
    string? TargetId = null,
    Guid? OrderId = null,
    AuditOutcome? Outcome = null,
    long? Before = null);

internal static class AuditQuery
{
    public const int MaxPageSize = 500;

    /// <summary>Matching entries, newest first. <c>Before</c> continues a previous page (keyset paging: stable while entries are appended).</summary>
    public static IQueryable<AuditEntry> Apply(TrabeculaDbContext db, AuditFilter filter)
    {
        var query = db.AuditEntries.AsNoTracking();
        if (filter.From is { } from)
        {
            query = query.Where(e => e.OccurredAt >= from);
        }

        if (filter.To is { } to)
        {
            query = query.Where(e => e.OccurredAt < to);
        }

        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            var actor = filter.Actor.Trim();
            query = query.Where(e => e.ActorName == actor || e.ActorId == actor || e.ActorRealName == actor);
        }

        if (filter.Action is { } action)
        {
            query = query.Where(e => e.Action == action);
        }

        if (!string.IsNullOrWhiteSpace(filter.TargetType))
        {
            query = query.Where(e => e.TargetType == filter.TargetType);
        }

        if (!string.IsNullOrWhiteSpace(filter.TargetId))
        {
            query = query.Where(e => e.TargetId == filter.TargetId);
        }

        if (filter.OrderId is { } orderId)
        {
            query = query.Where(e => e.OrderId == orderId);
        }

        if (filter.Outcome is { } outcome)
        {
            query = query.Where(e => e.Outcome == outcome);
        }

        if (filter.Before is { } before)
        {
            query = query.Where(e => e.Sequence < before);
        }

        return query.OrderByDescending(e => e.Sequence);
    }
}
