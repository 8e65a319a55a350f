using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Orders;

/// <summary>
/// The lifecycle table, exhaustively: every (from, to) pair of states, every single party type,
/// every role, and for on-hold orders every state they were held in, against docs/lifecycle.csv.
/// </summary>
public sealed class OrderLifecycleTests
{
    private static readonly List<Row> Expected = Load();

    [Fact]
    [Trait("Requirement", "R-CASE-5")]
    [Trait("Requirement", "R-XFER-1")]
    public void Decide_EveryStatePartyAndRole_MatchesTheDocumentedTable()
    {
        var mismatches = new List<string>();
        var parties = Enum.GetValues<PartyTypes>().Where(p => p != PartyTypes.None).ToList();
        var checkedCells = 0;
        foreach (var from in Enum.GetValues<OrderState>())
        {
            foreach (var heldFrom in from == OrderState.OnHold ? OrderLifecycle.Open.Cast<OrderState?>() : [null])
            {
                foreach (var to in Enum.GetValues<OrderState>())
                {
                    foreach (var party in parties)
                    {
                        foreach (var role in Roles.All)
                        {
                            var expected = Expected.Any(r => r.From == from && r.To == to && r.Party == party && r.Roles.Contains(role)
                                && (r.Name != "resume" || heldFrom == to));
                            var actual = OrderLifecycle.Decide(from, to, party, [role], heldFrom) == TransitionVerdict.Allowed;
                            checkedCells++;
                            if (expected != actual)
                            {
                                mismatches.Add($"{from}{(heldFrom is null ? "" : $"(held from {heldFrom})")} -> {to} by {party}/{role}: expected {expected}, got {actual}");
                            }
                        }
                    }
                }
            }
        }

        Assert.Empty(mismatches);
        Assert.True(checkedCells > 10_000, $"only {checkedCells} cells checked");
    }

    [Fact]
    [Trait("Requirement", "R-CASE-5")]
    public void Decide_DistinguishesAMissingMoveFromSomeoneElsesMove()
    {
        Assert.Equal(TransitionVerdict.NotFromThisState,
            OrderLifecycle.Decide(OrderState.RequirementRaised, OrderState.Manufacturing, PartyTypes.Manufacturer, [Roles.ProductionOperator]));
        Assert.Equal(TransitionVerdict.NotYourMove,
            OrderLifecycle.Decide(OrderState.DesignReview, OrderState.DesignApproved, PartyTypes.Designer, [Roles.Designer]));
        Assert.Equal(TransitionVerdict.NotFromThisState,
            OrderLifecycle.Decide(OrderState.Used, OrderState.Cancelled, PartyTypes.MedicalInstitution, [Roles.Physician]));
        Assert.Equal(TransitionVerdict.Allowed,
            OrderLifecycle.Decide(OrderState.DesignReview, OrderState.DesignApproved, PartyTypes.MedicalInstitution | PartyTypes.Designer, [Roles.Physician]));
    }

    [Fact]
    [Trait("Requirement", "R-CASE-5")]
    public void From_OnHold_OffersOnlyResumeToTheHeldStateAndCancel()
    {
        var moves = OrderLifecycle.From(OrderState.OnHold, OrderState.Designing).Select(t => t.To).Order().ToList();

        Assert.Equal([OrderState.Designing, OrderState.Cancelled], moves);
        Assert.Empty(OrderLifecycle.From(OrderState.Closed));
        Assert.Empty(OrderLifecycle.From(OrderState.Cancelled));
    }

    [Fact]
    [Trait("Requirement", "R-CASE-5")]
    public void EveryStateOnTheMainPath_IsReachableFromRequirementRaised()
    {
        var reached = new HashSet<OrderState> { OrderState.RequirementRaised };
        var frontier = new Queue<OrderState>(reached);
        while (frontier.TryDequeue(out var state))
        {
            foreach (var next in OrderLifecycle.Transitions.Where(t => t.From == state).Select(t => t.To).Where(reached.Add))
            {
                frontier.Enqueue(next);
            }
        }

        Assert.Equal(Enum.GetValues<OrderState>().Order(), reached.Order());
    }

    private sealed record Row(string Name, OrderState From, OrderState To, PartyTypes Party, IReadOnlySet<string> Roles);

    private static List<Row> Load()
    {
        var path = Path.Combine(RepositoryPaths.Root, "docs", "lifecycle.csv");
        return [.. File.ReadAllLines(path)
            .Where(line => line.Length > 0 && !line.StartsWith('#') && !line.StartsWith("name,", StringComparison.Ordinal))
            .Select(line => line.Split(','))
            .Select(cells => new Row(cells[0], Enum.Parse<OrderState>(cells[1]), Enum.Parse<OrderState>(cells[2]), Enum.Parse<PartyTypes>(cells[3]),
                cells[4].Split('|').ToHashSet(StringComparer.Ordinal)))];
    }
}
