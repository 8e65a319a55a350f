using System.Data.Common;
using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Trabecula.Server.Data;

namespace Trabecula.Bench;

/// <summary>
/// The plans of the SQL a piece of EF code runs: the commands are caught from EF's diagnostic
/// events while it runs (no change to the platform's options), then each is asked again under
/// EXPLAIN QUERY PLAN (SQLite) or EXPLAIN (PostgreSQL) with the same parameters.
/// </summary>
internal sealed class QueryPlans : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    private readonly List<(string Sql, List<DbParameter> Parameters)> commands = [];
    private readonly List<IDisposable> subscriptions = [];
    private bool capturing;

    public QueryPlans() => subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));

    public async Task<string> ExplainAsync(TrabeculaDbContext db, Func<Task> run)
    {
        // EF caches whether anyone listens for a second (DbContextOptionsBuilder.ConfigureLoggingCacheTime).
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        commands.Clear();
        capturing = true;
        try
        {
            await run();
        }
        finally
        {
            capturing = false;
        }

        var postgres = db.Database.IsNpgsql();
        var connection = db.Database.GetDbConnection();

        // EF closed it after each query; keep it open for the EXPLAINs.
        await db.Database.OpenConnectionAsync();
        var text = new StringBuilder();
        foreach (var (sql, parameters) in commands)
        {
            text.AppendLine("-- " + sql.ReplaceLineEndings(" "));
            await using var explain = connection.CreateCommand();
            explain.CommandText = (postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + sql;
            foreach (var p in parameters)
            {
                explain.Parameters.Add(p);
            }

            await using var reader = await explain.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                // SQLite: id, parent, notused, detail; PostgreSQL: one line of the plan.
                text.AppendLine("   " + (postgres ? reader.GetString(0) : reader.GetString(3)));
            }
        }

        await db.Database.CloseConnectionAsync();
        return text.ToString();
    }

    public void OnNext(DiagnosticListener value)
    {
        if (value.Name == DbLoggerCategory.Name)
        {
            subscriptions.Add(value.Subscribe(this));
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (capturing && value.Key == RelationalEventId.CommandExecuting.Name && value.Value is CommandEventData data)
        {
            commands.Add((data.Command.CommandText, [.. data.Command.Parameters.Cast<DbParameter>().Select(Copy)]));
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
        }
    }

    private static DbParameter Copy(DbParameter p) => p switch
    {
        NpgsqlParameter n => n.Clone(),
        SqliteParameter s => new SqliteParameter(s.ParameterName, s.Value) { SqliteType = s.SqliteType, Size = s.Size },
        _ => throw new NotSupportedException(p.GetType().Name),
    };
}
