using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Data;

/// <summary>
/// The migrations are written by hand (no EF Design package here), so this is what keeps them
/// honest: after migrating, every table and column the EF model maps to exists, on both databases.
/// </summary>
public sealed class MigrationSchemaTests
{
    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    public async Task Migrate_FreshDatabase_CreatesEveryMappedTableAndColumn(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        _ = factory.Server; // starts the host, which migrates
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();

        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        var missing = new List<string>();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        // Owned types stored as a JSON document live inside their owner's column, not as columns.
        foreach (var entity in db.Model.GetEntityTypes().Where(e => e.GetTableName() is not null && !e.IsMappedToJson()))
        {
            var table = entity.GetTableName()!;
            var columns = await ColumnsAsync(connection, kind, table);
            if (columns.Count == 0)
            {
                missing.Add($"table {table}");
                continue;
            }

            var storeObject = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(table, entity.GetSchema());
            foreach (var property in entity.GetProperties())
            {
                var column = property.GetColumnName(storeObject);
                if (column is not null && !columns.Contains(column))
                {
                    missing.Add($"{table}.{column}");
                }
            }
        }

        Assert.Empty(missing);
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    public async Task Migrate_Twice_IsANoOp(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        _ = factory.Server;

        var applied = await factory.Services.MigrateDatabaseAsync();

        Assert.Equal(0, applied);
    }

    private static async Task<HashSet<string>> ColumnsAsync(DbConnection connection, DatabaseKind kind, string table)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = kind == DatabaseKind.Sqlite
            ? "SELECT name FROM pragma_table_info($table)"
            : "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = @table";
        var parameter = command.CreateParameter();
        parameter.ParameterName = kind == DatabaseKind.Sqlite ? "$table" : "@table";
        parameter.Value = table;
        command.Parameters.Add(parameter);
        var columns = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            columns.Add(reader.GetString(0));
        }

        return columns;
    }
}
