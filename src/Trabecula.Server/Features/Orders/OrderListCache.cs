using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Trabecula.Server.Features.Orders;

/// <summary>
/// The order list API's answers, kept per organization and filter as the JSON sent. A hospital's
/// staff open and refresh the same few lists all day; each answer is one count and one page of the
/// listing index, and the rows change only when an order of that organization does.
/// <para>
/// Correctness: every organization has a version, raised by <see cref="OrderListCacheInvalidator"/>
/// after each committed save that touches its listing rows (a new order, a move, a reassignment, a
/// deletion). An answer is served only while its organization's version is the one read before its
/// query ran, so a save on this instance is visible to the very next request. Writes this instance
/// cannot see (another server on the same PostgreSQL database) are bounded by
/// <see cref="OrderOptions.ListCacheSeconds"/>; 0 turns the cache off.
/// </para>
/// Authentication and authorization still run on every request: only the query and serialization
/// are saved, and the organization is part of every key.
/// </summary>
public sealed class OrderListCache(IOptionsMonitor<OrderOptions> options)
{
    // About 10 KiB per page of 50: a few tens of MiB at most.
    private const int MaxEntries = 4096;

    private readonly ConcurrentDictionary<Guid, StrongBox<long>> _versions = new();
    private readonly ConcurrentDictionary<(Guid Organization, string Filter), Entry> _answers = new();

    private sealed record Entry(long Version, long CachedAt, byte[] Json);

    /// <summary>The organization's current version; read it before running the query whose answer you will <see cref="Set"/>.</summary>
    public long VersionOf(Guid organization) => Volatile.Read(ref Box(organization).Value);

    public bool TryGet(Guid organization, string filterKey, out byte[] json)
    {
        json = [];
        var lifetime = options.CurrentValue.ListCacheSeconds;
        if (lifetime <= 0 || !_answers.TryGetValue((organization, filterKey), out var entry))
        {
            return false;
        }

        if (entry.Version != VersionOf(organization) || Stopwatch.GetElapsedTime(entry.CachedAt).TotalSeconds >= lifetime)
        {
            return false;
        }

        json = entry.Json;
        return true;
    }

    /// <summary>Keeps an answer computed at <paramref name="version"/>; if a save raised the version meanwhile, it is never served.</summary>
    public void Set(Guid organization, string filterKey, long version, byte[] json)
    {
        if (options.CurrentValue.ListCacheSeconds <= 0)
        {
            return;
        }

        if (_answers.Count >= MaxEntries)
        {
            // A crude bound, as in SessionCache: dropping everything only costs queries.
            _answers.Clear();
        }

        _answers[(organization, filterKey)] = new Entry(version, Stopwatch.GetTimestamp(), json);
    }

    /// <summary>Every cached answer of these organizations is stale from now on.</summary>
    public void Invalidate(IEnumerable<Guid> organizations)
    {
        foreach (var organization in organizations)
        {
            Interlocked.Increment(ref Box(organization).Value);
        }
    }

    private StrongBox<long> Box(Guid organization) => _versions.GetOrAdd(organization, static _ => new StrongBox<long>());
}

/// <summary>
/// Raises the list version of every organization whose listing rows a save changed, once the
/// change is committed: after SaveChanges when it ran its own transaction, else when the caller's
/// transaction commits. Reads from <see cref="OrderListingInterceptor"/>'s work (it runs first and
/// leaves one added, modified or deleted <see cref="OrderListing"/> per touched organization), plus
/// deleted orders, whose listing rows the database removes by cascade.
/// </summary>
internal sealed class OrderListCacheInvalidator(OrderListCache cache) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbContext, HashSet<Guid>> _pending = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Saved(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Flush(eventData.Context);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Flush(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Flush(eventData.Context);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Flush(eventData.Context);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        HashSet<Guid>? touched = null;
        foreach (var entry in context.ChangeTracker.Entries<OrderListing>())
        {
            if (entry.State is EntityState.Added or EntityState.Modified or EntityState.Deleted)
            {
                (touched ??= _pending.GetOrCreateValue(context)).Add(entry.Entity.OrganizationId);
            }
        }

        foreach (var entry in context.ChangeTracker.Entries<Order>())
        {
            if (entry.State == EntityState.Deleted)
            {
                touched ??= _pending.GetOrCreateValue(context);
                touched.Add((Guid)entry.Property(nameof(Order.InstitutionId)).OriginalValue!);
                foreach (var party in new[] { nameof(Order.DesignerId), nameof(Order.ManufacturerId), nameof(Order.RegistrantId) })
                {
                    if (entry.Property(party).OriginalValue is Guid id)
                    {
                        touched.Add(id);
                    }
                }
            }
        }
    }

    /// <summary>
    /// After a save (even a failed one, which may have written part of a batch inside the caller's
    /// transaction): raise now, and again at the caller's commit or rollback if there is one, since
    /// a reader between the two could have cached what was still the old state.
    /// </summary>
    private void Saved(DbContext? context)
    {
        if (context is null || !_pending.TryGetValue(context, out var touched))
        {
            return;
        }

        cache.Invalidate(touched);
        if (context.Database.CurrentTransaction is null)
        {
            _pending.Remove(context);
        }
    }

    private void Flush(DbContext? context)
    {
        if (context is not null && _pending.TryGetValue(context, out var touched))
        {
            cache.Invalidate(touched);
            _pending.Remove(context);
        }
    }
}
