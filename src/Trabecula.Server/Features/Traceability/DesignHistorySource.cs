namespace Trabecula.Server.Features.Traceability;

/// <summary>One design event a trace shows: a version submitted, approved by signature, released as a package.</summary>
public sealed record DesignTraceEntry(string Kind, string Version, string? Sha256, string? Actor, DateTime OccurredAt, string? Meaning);

/// <summary>
/// Design versions and signed approvals of an order, for the device history (R-TRACE-3). The
/// designs feature provides the real one; until it registers it, the default has nothing, and the
/// history still shows the design moves of the lifecycle and their audit entries.
/// </summary>
public interface IDesignHistorySource
{
    Task<IReadOnlyList<DesignTraceEntry>> ForOrderAsync(Guid orderId, CancellationToken cancellationToken);
}

internal sealed class NoDesignHistorySource : IDesignHistorySource
{
    public Task<IReadOnlyList<DesignTraceEntry>> ForOrderAsync(Guid orderId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<DesignTraceEntry>>([]);
}
