using System.Data.Common;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Trabecula.Server.Data;

namespace Trabecula.Bench;

/// <summary>
/// Writes entity objects straight to their tables, bypassing the change tracker: on SQLite as
/// prepared multi-row INSERTs inside one transaction per call, on PostgreSQL by binary COPY. The
/// columns, their names and value conversions (enums as text, encrypted columns, UTC times, GUIDs
/// as SQLite text) come from the EF model, so the rows are the ones SaveChanges would write.
/// </summary>
internal sealed partial class BulkWriter(TrabeculaDbContext db)
{
    /// <summary>
    /// Parameters per statement. SQLite allows 32,766, but Microsoft.Data.Sqlite binds each by
    /// name and sqlite3_bind_parameter_index searches the statement's list, so binding costs the
    /// square of the count: 30,000 made seeding CPU-bound, 999 still cost more than the rows. A
    /// statement of about 120 values keeps the multi-row gain and a flat cost per row.
    /// </summary>
    private const int MaxParameters = 120;

    private readonly bool postgres = db.Database.IsNpgsql();

    /// <summary>Rows and seconds by table, for the seeding report.</summary>
    public Dictionary<string, (long Rows, double Seconds)> Totals { get; } = new(StringComparer.Ordinal);

    public async Task WriteAsync<T>(IReadOnlyList<T> rows)
        where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }

        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not mapped");
        var table = entity.GetTableName()!;
        var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
        var columns = entity.GetProperties()
            .Where(p => p.PropertyInfo is not null || p.FieldInfo is not null)
            .Select(p => new Column(p.GetColumnName(store)!, p.GetGetter(), (RelationalTypeMapping)p.GetTypeMapping()))
            .ToList();
        if (entity.GetProperties().Any(p => p.IsShadowProperty()))
        {
            throw new InvalidOperationException($"{table} has shadow properties; the bulk writer would leave them empty");
        }

        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync();
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        if (postgres)
        {
            await CopyAsync((NpgsqlConnection)connection, table, columns, rows);
        }
        else
        {
            await InsertAsync(connection, table, columns, rows);
        }

        var (total, seconds) = Totals.GetValueOrDefault(table);
        Totals[table] = (total + rows.Count, seconds + watch.Elapsed.TotalSeconds);
    }

    private static async Task CopyAsync<T>(NpgsqlConnection connection, string table, List<Column> columns, IReadOnlyList<T> rows)
        where T : class
    {
        var names = string.Join(", ", columns.Select(c => Quote(c.Name)));
        var types = columns.Select(c => Facets().Replace(c.Mapping.StoreType, "")).ToArray();
        await using var import = await connection.BeginBinaryImportAsync($"COPY {Quote(table)} ({names}) FROM STDIN (FORMAT BINARY)");
        foreach (var row in rows)
        {
            await import.StartRowAsync();
            for (var i = 0; i < columns.Count; i++)
            {
                var value = columns[i].ProviderValue(row);
                if (value is null)
                {
                    await import.WriteNullAsync();
                }
                else
                {
                    await import.WriteAsync(value, types[i]);
                }
            }
        }

        await import.CompleteAsync();
    }

    private static async Task InsertAsync<T>(DbConnection connection, string table, List<Column> columns, IReadOnlyList<T> rows)
        where T : class
    {
        var perStatement = Math.Max(1, MaxParameters / columns.Count);
        await using var transaction = await connection.BeginTransactionAsync();
        DbCommand? full = null;
        try
        {
            for (var start = 0; start < rows.Count; start += perStatement)
            {
                var count = Math.Min(perStatement, rows.Count - start);

                // One prepared statement for every full chunk; the last, shorter one gets its own.
                var command = count == perStatement ? full ??= Prepare(connection, transaction, table, columns, perStatement) : Prepare(connection, transaction, table, columns, count);
                for (var r = 0; r < count; r++)
                {
                    for (var c = 0; c < columns.Count; c++)
                    {
                        command.Parameters[(r * columns.Count) + c].Value = columns[c].ProviderValue(rows[start + r]) ?? DBNull.Value;
                    }
                }

                await command.ExecuteNonQueryAsync();
                if (command != full)
                {
                    await command.DisposeAsync();
                }
            }

            await transaction.CommitAsync();
        }
        finally
        {
            if (full is not null)
            {
                await full.DisposeAsync();
            }
        }
    }

    private static DbCommand Prepare(DbConnection connection, DbTransaction transaction, string table, List<Column> columns, int rowCount)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var sql = new StringBuilder($"INSERT INTO {Quote(table)} ({string.Join(", ", columns.Select(c => Quote(c.Name)))}) VALUES ");
        for (var r = 0; r < rowCount; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Count; c++)
            {
                var name = $"@p{(r * columns.Count) + c}";
                sql.Append(c == 0 ? name : ", " + name);

                // The type mapping sets what the provider needs (SQLite: GUIDs bound as upper-case text, as EF stores them).
                command.Parameters.Add(columns[c].Mapping.CreateParameter(command, name, null, nullable: true));
            }

            sql.Append(')');
        }

        command.CommandText = sql.ToString();
        command.Prepare();
        return command;
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>"character varying(100)" → "character varying": COPY wants the type's name.</summary>
    [GeneratedRegex(@"\(.*\)")]
    private static partial Regex Facets();

    private sealed record Column(string Name, IClrPropertyGetter Getter, RelationalTypeMapping Mapping)
    {
        public object? ProviderValue(object row)
        {
            var value = Getter.GetClrValueUsingContainingEntity(row);
            return value is null || Mapping.Converter is null ? value : Mapping.Converter.ConvertToProvider(value);
        }
    }
}
