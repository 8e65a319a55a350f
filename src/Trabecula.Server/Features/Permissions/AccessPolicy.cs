using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Permissions;

/// <summary>A cell of the matrix, as a key.</summary>
public readonly record struct PermissionCell(PartyTypes Party, string Role, OrderState Stage, DataClass Class, DataAction Action);

/// <summary>A decision of the matrix; <see cref="EmergencyGrantId"/> marks one made under break-glass access.</summary>
public sealed record AccessDecision(bool Allowed, Guid? EmergencyGrantId);

/// <summary>
/// What a decision reads besides the order and the matrix, as of this request: the party types of
/// the caller's organization (null when it does not exist) and the caller's open emergency grant
/// on the order. A hot path reads them in the same query as the order (see
/// <see cref="AccessPolicy.DecideUnrecordedAsync"/>), never from a cache.
/// </summary>
public readonly record struct AccessFacts(PartyTypes? OrganizationPartyTypes, Guid? EmergencyGrantId);

/// <summary>
/// The one service every data access asks (R-XFER-2): may this person, for the party their
/// organization plays on this order, do this action on this class of the order's data at the
/// order's current stage? Default deny. Every decision, allowed or denied, is audited.
/// </summary>
public sealed class AccessPolicy(TrabeculaDbContext db, IAuditLog audit, EmergencyAccessService emergency, PermissionMatrix matrix)
{
    /// <summary>The decision alone (no audit): the pure function the matrix tests check cell by cell.</summary>
    public static bool Decide(IReadOnlySet<PermissionCell> rules, PartyTypes partyOnOrder, IEnumerable<string> roles, OrderState stage, DataClass cls, DataAction action)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(roles);
        foreach (var party in Enum.GetValues<PartyTypes>().Where(p => p != PartyTypes.None && (partyOnOrder & p) == p))
        {
            foreach (var role in roles)
            {
                if (rules.Contains(new PermissionCell(party, role, stage, cls, action)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    public Task<IReadOnlySet<PermissionCell>> LoadAsync(CancellationToken cancellationToken = default) =>
        matrix.CurrentAsync(db, cancellationToken);

    /// <summary>
    /// A person's roles. A machine client has none; its scope stands in for the one role whose
    /// work it automates, for that work only: imaging.upload uploads identified patient data as
    /// the institution's physician would, and nothing else.
    /// </summary>
    private static List<string> RolesFor(ClaimsPrincipal user, DataClass cls, DataAction action)
    {
        if (user.FindFirstValue(TrabeculaClaimTypes.ActorType) != "client")
        {
            return [.. user.FindAll(ClaimTypes.Role).Select(c => c.Value)];
        }

        return user.HasClaim(TrabeculaClaimTypes.Scope, Clients.ClientScopes.ImagingUpload) && cls == DataClass.IdentifiedPatientData && action == DataAction.Upload
            ? [Accounts.Roles.Physician]
            : [];
    }

    /// <summary>Decides for <paramref name="user"/> on <paramref name="order"/> and audits the decision.</summary>
    public async Task<bool> AuthorizeAsync(ClaimsPrincipal user, Order order, DataClass cls, DataAction action, CancellationToken cancellationToken = default) =>
        (await DecideAsync(user, order, cls, action, cancellationToken)).Allowed;

    /// <summary>
    /// Decides and audits. An open emergency grant of this person on this order (R-AUTH-6) adds
    /// reading (view, download) of every class but the audit trail beyond the matrix, and marks
    /// every decision made during it, allowed or not, with the grant.
    /// </summary>
    public async Task<AccessDecision> DecideAsync(ClaimsPrincipal user, Order order, DataClass cls, DataAction action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(order);
        var org = OrganizationOf(user);
        var organization = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == org, cancellationToken);
        var grant = await emergency.ActiveAsync(user, order.Id, cancellationToken);
        var (decision, entry) = await DecideUnrecordedAsync(user, order, new AccessFacts(organization?.PartyTypes, grant?.Id), cls, action, cancellationToken);
        await audit.RecordAsync(entry, cancellationToken);
        return decision;
    }

    /// <summary>
    /// The same decision from facts the caller read this request (in one query with the order),
    /// with its audit event not yet recorded: the caller records it on every path, either with
    /// <see cref="IAuditLog.RecordAsync"/> or in the same transaction as the write it allowed
    /// (<see cref="IAuditLog.SaveChangesAndRecordAsync"/>), so the decision and the write are
    /// durable together.
    /// </summary>
    public async Task<(AccessDecision Decision, AuditEvent Audit)> DecideUnrecordedAsync(
        ClaimsPrincipal user, Order order, AccessFacts facts, DataClass cls, DataAction action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(order);
        var party = facts.OrganizationPartyTypes is { } types ? OrderParties.Of(order, OrganizationOf(user), types) : PartyTypes.None;
        var roles = RolesFor(user, cls, action);
        var cells = await matrix.CurrentAsync(db, cancellationToken);
        var allowed = Decide(cells, party, roles, order.State, cls, action);
        var details = new Dictionary<string, object?> { ["action"] = action.ToString(), ["stage"] = order.State.ToString(), ["party"] = party.ToString() };
        if (facts.EmergencyGrantId is { } grant)
        {
            details[EmergencyAccessService.MarkKey] = grant.ToString();
            if (!allowed && cls != DataClass.Audit && action is DataAction.View or DataAction.Download)
            {
                allowed = true;
                details["beyondMatrix"] = true;
            }
        }

        var entry = new AuditEvent(allowed ? AuditAction.AccessAllowed : AuditAction.PermissionDenied, allowed ? AuditOutcome.Success : AuditOutcome.Denied)
        {
            TargetType = "order-data",
            TargetId = $"{order.Number}:{cls}",
            OrderId = order.Id,
            Details = details,
        };
        return (new AccessDecision(allowed, facts.EmergencyGrantId), entry);
    }

    private static Guid OrganizationOf(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(TrabeculaClaimTypes.OrganizationId), out var id) ? id : Guid.Empty;
}
