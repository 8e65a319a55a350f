using System.Security.Claims;
using System.Text.Json;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Audit;

/// <summary>The domain-facing side of the audit trail: what every feature calls.</summary>
public interface IAuditLog
{
    /// <summary>Records <paramref name="auditEvent"/>; returns its sequence number after it is durably written.</summary>
    Task<long> RecordAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Saves <paramref name="db"/>'s pending changes and records <paramref name="auditEvents"/> in
    /// the same transaction (one durable commit; a crash keeps both or neither). For a hot write
    /// path whose row and entries belong together, such as one DICOM file per request.
    /// </summary>
    Task SaveChangesAndRecordAsync(Data.TrabeculaDbContext db, IReadOnlyList<AuditEvent> auditEvents, CancellationToken cancellationToken = default);
}

/// <summary>Fills in who, from where and in which request, then hands the entry to the appender.</summary>
internal sealed class AuditLog(AuditAppender appender, IHttpContextAccessor httpContextAccessor) : IAuditLog
{
    private const int MaxUserAgent = 256;

    public Task<long> RecordAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        var entry = Build(auditEvent);

        // A request that is being aborted still gets its entry: the write is not cancelled.
        return appender.AppendAsync(entry, CancellationToken.None).WaitAsync(cancellationToken);
    }

    public Task SaveChangesAndRecordAsync(Data.TrabeculaDbContext db, IReadOnlyList<AuditEvent> auditEvents, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(auditEvents);
        return appender.SaveChangesWithAsync(db, [.. auditEvents.Select(Build)], cancellationToken);
    }

    private AuditEntry Build(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        var http = httpContextAccessor.HttpContext;
        var actor = auditEvent.Actor ?? ActorOf(http?.User);
        var entry = new AuditEntry
        {
            ActorType = actor.Type,
            ActorId = actor.Id,
            ActorName = Truncate(actor.Name, 256),
            ActorRealName = Truncate(actor.RealName, 100),
            ActorOrganizationId = actor.OrganizationId,
            ActorOrganizationName = Truncate(actor.OrganizationName, 200),
            SessionId = http?.User.FindFirstValue(TrabeculaClaimTypes.SessionId),
            RequestId = http?.TraceIdentifier,
            Action = auditEvent.Action,
            TargetType = auditEvent.TargetType,
            TargetId = auditEvent.TargetId,
            OrderId = auditEvent.OrderId,
            Outcome = auditEvent.Outcome,
            SourceIp = http?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = Truncate(http?.Request.Headers.UserAgent.ToString(), MaxUserAgent),
            Details = auditEvent.Details is { Count: > 0 } details ? JsonSerializer.Serialize(details) : null,
        };
        return entry;
    }

    internal static AuditActor ActorOf(ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.IsAuthenticated != true)
        {
            return new AuditActor(AuditActorType.Anonymous, null, null);
        }

        var type = principal.FindFirstValue(TrabeculaClaimTypes.ActorType) == "client" ? AuditActorType.Client : AuditActorType.User;
        return new AuditActor(
            type,
            principal.FindFirstValue(ClaimTypes.NameIdentifier),
            principal.FindFirstValue(ClaimTypes.Name),
            principal.FindFirstValue(TrabeculaClaimTypes.RealName),
            Guid.TryParse(principal.FindFirstValue(TrabeculaClaimTypes.OrganizationId), out var org) ? org : null,
            principal.FindFirstValue(TrabeculaClaimTypes.OrganizationName));
    }

    private static string? Truncate(string? value, int length) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= length ? value : value[..length];
}
