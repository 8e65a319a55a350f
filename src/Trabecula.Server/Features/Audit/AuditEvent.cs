namespace Trabecula.Server.Features.Audit;

/// <summary>Who acted, when the request's signed-in principal is not the right answer (a failed sign-in, the CLI).</summary>
public sealed record AuditActor(
    AuditActorType Type,
    string? Id,
    string? Name,
    string? RealName = null,
    Guid? OrganizationId = null,
    string? OrganizationName = null)
{
    public static AuditActor System(string name) => new(AuditActorType.System, null, name);
}

/// <summary>
/// What a feature records. The actor, session, request, source address and time are filled in
/// from the request; the feature says what happened to what. Details are identifiers and counts,
/// never patient data.
/// </summary>
public sealed record AuditEvent(AuditAction Action, AuditOutcome Outcome = AuditOutcome.Success)
{
    public string? TargetType { get; init; }

    public string? TargetId { get; init; }

    public Guid? OrderId { get; init; }

    public IReadOnlyDictionary<string, object?>? Details { get; init; }

    /// <summary>Overrides the actor taken from the request's principal.</summary>
    public AuditActor? Actor { get; init; }
}
