using System.Collections.Concurrent;
using System.Diagnostics;

namespace Trabecula.Server.Features.Accounts;

/// <summary>
/// Sessions this instance has just read from the database, kept for a few seconds so that a
/// burst of requests from one browser costs one session lookup instead of one each. Ending a
/// session here (sign-out, revocation, password change) evicts it at once; another instance
/// notices within <see cref="Lifetime"/>. Holds the unprotected ticket in memory only.
/// </summary>
public sealed class SessionCache
{
    /// <summary>How long an entry is trusted without asking the database again (monotonic clock).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>A cached session: owner, serialized ticket, and the times the idle and absolute limits are checked against.</summary>
    public sealed record Entry(Guid UserId, byte[] Ticket, DateTime LastSeenAt, DateTime AbsoluteExpiresAt)
    {
        internal long CachedAt { get; } = Stopwatch.GetTimestamp();
    }

    public bool TryGet(string hash, out Entry entry)
    {
        if (_entries.TryGetValue(hash, out entry!) && Stopwatch.GetElapsedTime(entry.CachedAt) < Lifetime)
        {
            return true;
        }

        return false;
    }

    public void Set(string hash, Entry entry)
    {
        if (_entries.Count >= MaxEntries)
        {
            // A crude bound: the cache is an optimisation, dropping it only costs lookups.
            _entries.Clear();
        }

        _entries[hash] = entry;
    }

    public void Remove(string hash) => _entries.TryRemove(hash, out _);

    public void RemoveUser(Guid userId)
    {
        foreach (var (hash, entry) in _entries)
        {
            if (entry.UserId == userId)
            {
                _entries.TryRemove(hash, out _);
            }
        }
    }
}
