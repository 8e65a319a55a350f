using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Trabecula.Server.Infrastructure.Data;

/// <summary>
/// Sets the per-connection SQLite pragmas on every opened connection: WAL lets readers run
/// beside the single writer, synchronous=FULL makes an acknowledged commit survive power loss,
/// foreign keys are off by default in SQLite, and busy_timeout makes a second process wait for
/// the write lock instead of failing at once.
/// </summary>
internal sealed class SqlitePragmaInterceptor : DbConnectionInterceptor
{
    private const string Pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
