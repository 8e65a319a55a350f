using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;

namespace Trabecula.Server.Features.Permissions;

/// <summary>
/// The matrix in memory: every data access asks it, and reading a few hundred rows per access
/// was most of an upload's cost. A change through this instance takes effect at once
/// (<see cref="Invalidate"/>); another instance of the server picks it up within <see cref="Lifetime"/>.
/// </summary>
public sealed class PermissionMatrix
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly Lock _lock = new();
    private IReadOnlySet<PermissionCell>? _cells;
    private long _loadedAt;
    private int _generation;

    public async Task<IReadOnlySet<PermissionCell>> CurrentAsync(TrabeculaDbContext db, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        int generation;
        lock (_lock)
        {
            if (_cells is not null && Stopwatch.GetElapsedTime(_loadedAt) < Lifetime)
            {
                return _cells;
            }

            generation = _generation;
        }

        var cells = (await db.PermissionRules.AsNoTracking().ToListAsync(cancellationToken))
            .Select(r => new PermissionCell(r.Party, r.Role, r.Stage, r.Class, r.Action))
            .ToHashSet();
        lock (_lock)
        {
            // A change made while we were reading wins: keep ours only if nothing invalidated meanwhile.
            if (generation == _generation)
            {
                _cells = cells;
                _loadedAt = Stopwatch.GetTimestamp();
            }
        }

        return cells;
    }

    public void Invalidate()
    {
        lock (_lock)
        {
            _cells = null;
            _generation++;
        }
    }
}
