namespace Trabecula.Server.Features.Orders;

/// <summary>An unmet precondition of a move: a stable code (for the UI's text) and a sentence for API callers.</summary>
public sealed record GuardFailure(string Code, string Message);

/// <summary>
/// A precondition on lifecycle moves that another feature owns: "the patient data is confirmed"
/// (patient data), "the design is signed" (design review), "the package is released" (production).
/// A feature registers its guards with <c>services.AddTransitionGuard&lt;T&gt;()</c>; the orders
/// feature asks them before every move and never needs editing for a new one.
/// </summary>
public interface ITransitionGuard
{
    /// <summary>The transition names (docs/lifecycle.csv "name") this guard watches.</summary>
    IReadOnlySet<string> Transitions { get; }

    /// <summary>Null when the precondition holds; otherwise why the move must wait.</summary>
    Task<GuardFailure?> CheckAsync(Order order, CancellationToken cancellationToken);
}

/// <summary>Runs every registered guard that watches a move.</summary>
public sealed class TransitionGuards(IEnumerable<ITransitionGuard> guards)
{
    private readonly IReadOnlyList<ITransitionGuard> _guards = [.. guards];

    public async Task<IReadOnlyList<GuardFailure>> UnmetAsync(Order order, string transition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        List<GuardFailure>? failures = null;
        foreach (var guard in _guards.Where(g => g.Transitions.Contains(transition)))
        {
            if (await guard.CheckAsync(order, cancellationToken) is { } failure)
            {
                (failures ??= []).Add(failure);
            }
        }

        return failures ?? (IReadOnlyList<GuardFailure>)[];
    }
}

public static class TransitionGuardRegistration
{
    /// <summary>Adds a precondition on lifecycle moves (scoped: guards usually read the database).</summary>
    public static IServiceCollection AddTransitionGuard<TGuard>(this IServiceCollection services)
        where TGuard : class, ITransitionGuard =>
        services.AddScoped<ITransitionGuard, TGuard>();
}
