using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Organizations;

namespace Trabecula.Server.Features.Orders;

/// <summary>One permitted move of the lifecycle and who may make it.</summary>
public sealed record LifecycleTransition(string Name, OrderState From, OrderState To, PartyTypes Party, IReadOnlySet<string> Roles);

/// <summary>The answer to "may this actor move the order from here to there?".</summary>
public enum TransitionVerdict
{
    Allowed,

    /// <summary>No such move from the current state (409, with the moves that exist).</summary>
    NotFromThisState,

    /// <summary>The move exists but belongs to another party or role (403).</summary>
    NotYourMove,
}

/// <summary>
/// The transition table of R-CASE-5 as data (DESIGN.md "Lifecycle"). Each move names the party
/// and roles that take it; later features add preconditions (patient data confirmed, design
/// signed, package released) as guards on top. docs/lifecycle.csv is the same table for people,
/// and OrderLifecycleTests checks every (state, target, party, role) against it.
/// </summary>
public static class OrderLifecycle
{
    private static readonly HashSet<string> Institution = [Roles.Physician, Roles.InstitutionAdmin];
    private static readonly HashSet<string> Physician = [Roles.Physician];

    /// <summary>States from which the order can still be put on hold or cancelled.</summary>
    public static readonly IReadOnlySet<OrderState> Open = new HashSet<OrderState>
    {
        OrderState.RequirementRaised, OrderState.DataCollected, OrderState.DataConfirmed, OrderState.Designing, OrderState.DesignReview,
        OrderState.DesignApproved, OrderState.Manufacturing, OrderState.Released, OrderState.Delivered, OrderState.Used, OrderState.FollowUp,
    };

    /// <summary>Before the device is used in surgery an order may be cancelled (DESIGN.md); after, it is followed up and closed.</summary>
    public static readonly IReadOnlySet<OrderState> Cancellable = new HashSet<OrderState>
    {
        OrderState.RequirementRaised, OrderState.DataCollected, OrderState.DataConfirmed, OrderState.Designing, OrderState.DesignReview,
        OrderState.DesignApproved, OrderState.Manufacturing, OrderState.Released, OrderState.Delivered, OrderState.OnHold,
    };

    public static IReadOnlyList<LifecycleTransition> Transitions { get; } = Build();

    /// <summary>The moves that exist from <paramref name="from"/> (for a 409's list and the "what next" panel).</summary>
    public static IReadOnlyList<LifecycleTransition> From(OrderState from, OrderState? heldFrom = null) =>
        [.. Transitions.Where(t => t.From == from && (from != OrderState.OnHold || t.To == OrderState.Cancelled || t.To == heldFrom))];

    /// <summary>
    /// Decides a move. <paramref name="heldFrom"/> is the state an on-hold order returns to: it
    /// may resume only there. The actor's party types are their organization's; roles are theirs.
    /// </summary>
    public static TransitionVerdict Decide(OrderState from, OrderState to, PartyTypes actorParty, IEnumerable<string> actorRoles, OrderState? heldFrom = null)
    {
        ArgumentNullException.ThrowIfNull(actorRoles);
        var moves = From(from, heldFrom).Where(t => t.To == to).ToList();
        if (moves.Count == 0)
        {
            return TransitionVerdict.NotFromThisState;
        }

        var roles = actorRoles as IReadOnlyCollection<string> ?? [.. actorRoles];
        return moves.Any(t => (actorParty & t.Party) == t.Party && roles.Any(t.Roles.Contains))
            ? TransitionVerdict.Allowed
            : TransitionVerdict.NotYourMove;
    }

    private static List<LifecycleTransition> Build()
    {
        var table = new List<LifecycleTransition>
        {
            new("collect-data", OrderState.RequirementRaised, OrderState.DataCollected, PartyTypes.MedicalInstitution, Physician),
            new("confirm-data", OrderState.DataCollected, OrderState.DataConfirmed, PartyTypes.MedicalInstitution, Physician),
            new("start-design", OrderState.DataConfirmed, OrderState.Designing, PartyTypes.Designer, new HashSet<string> { Roles.Designer }),
            new("submit-design", OrderState.Designing, OrderState.DesignReview, PartyTypes.Designer, new HashSet<string> { Roles.Designer }),
            new("reject-design", OrderState.DesignReview, OrderState.Designing, PartyTypes.MedicalInstitution, Physician),
            new("approve-design", OrderState.DesignReview, OrderState.DesignApproved, PartyTypes.MedicalInstitution, Physician),
            new("change-approved-design", OrderState.DesignApproved, OrderState.Designing, PartyTypes.Designer, new HashSet<string> { Roles.Designer }),
            new("start-manufacturing", OrderState.DesignApproved, OrderState.Manufacturing, PartyTypes.Manufacturer, new HashSet<string> { Roles.ProductionOperator }),
            new("release", OrderState.Manufacturing, OrderState.Released, PartyTypes.Manufacturer, new HashSet<string> { Roles.QualityInspector }),
            new("confirm-delivery", OrderState.Released, OrderState.Delivered, PartyTypes.MedicalInstitution, Institution),
            new("record-surgical-use", OrderState.Delivered, OrderState.Used, PartyTypes.MedicalInstitution, Physician),
            new("start-follow-up", OrderState.Used, OrderState.FollowUp, PartyTypes.MedicalInstitution, Physician),
            new("close", OrderState.FollowUp, OrderState.Closed, PartyTypes.MedicalInstitution, Institution),
        };

        // Any open state can be held by the institution and resumed to where it was.
        foreach (var state in Open)
        {
            table.Add(new("hold", state, OrderState.OnHold, PartyTypes.MedicalInstitution, Institution));
            table.Add(new("resume", OrderState.OnHold, state, PartyTypes.MedicalInstitution, Institution));
        }

        foreach (var state in Cancellable)
        {
            table.Add(new("cancel", state, OrderState.Cancelled, PartyTypes.MedicalInstitution, Institution));
        }

        return table;
    }
}
