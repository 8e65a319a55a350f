namespace Trabecula.Server.Features.Audit;

/// <summary>
/// One row of the append-only, hash-chained audit trail. <see cref="Hash"/> is
/// SHA-256(<see cref="PreviousHash"/> || canonical bytes of every other field), see
/// <see cref="AuditChain"/>. Database triggers refuse UPDATE and DELETE; the chain and the signed
/// head and checkpoints detect whoever gets past them.
/// </summary>
public sealed class AuditEntry
{
    public long Sequence { get; set; }

    /// <summary>UTC, truncated to microseconds so that both databases store it exactly.</summary>
    public DateTime OccurredAt { get; set; }

    public AuditActorType ActorType { get; set; }

    public string? ActorId { get; set; }

    /// <summary>User name or client id.</summary>
    public string? ActorName { get; set; }

    /// <summary>The person's verified legal name (实名), for a user.</summary>
    public string? ActorRealName { get; set; }

    public Guid? ActorOrganizationId { get; set; }

    public string? ActorOrganizationName { get; set; }

    public string? SessionId { get; set; }

    public string? RequestId { get; set; }

    public AuditAction Action { get; set; }

    public string? TargetType { get; set; }

    public string? TargetId { get; set; }

    public Guid? OrderId { get; set; }

    public AuditOutcome Outcome { get; set; }

    public string? SourceIp { get; set; }

    public string? UserAgent { get; set; }

    /// <summary>JSON object with what else matters. Never patient data: identifiers and counts only.</summary>
    public string? Details { get; set; }

    public byte[] PreviousHash { get; set; } = [];

    public byte[] Hash { get; set; } = [];
}
