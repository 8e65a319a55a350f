using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Options;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Infrastructure.Data;
using Trabecula.Server.Infrastructure.Hosting;
using Trabecula.Server.Infrastructure.Keys;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Data;

internal static partial class DataExtensions
{
    /// <summary>
    /// Registers the DbContext for the configured provider. The provider is read when the first
    /// context is created, after options validation, so a bad "Database" section is reported by
    /// the start-up checks with the setting's name rather than as a provider exception.
    /// </summary>
    public static IHostApplicationBuilder AddTrabeculaData(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<DatabaseOptions, DatabaseOptionsValidator>(DatabaseOptions.SectionName);
        builder.Services.AddSingleton<SqlitePragmaInterceptor>();
        builder.Services.AddSingleton<OrderListingInterceptor>();
        builder.Services.AddSingleton<OrderListCache>();
        builder.Services.AddSingleton<OrderListCacheInvalidator>();
        builder.Services.AddSingleton<FieldProtector>();
        // The options are built once (singleton): every service they read is a singleton, and
        // rebuilding them for every request's context was measurable on the hot read paths.
        builder.Services.AddDbContext<TrabeculaDbContext>((services, options) =>
        {
            var database = services.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            if (database.IsPostgreSql)
            {
                var connectionString = database.ConnectionString
                    ?? services.GetRequiredService<IConfiguration>().GetConnectionString("Trabecula");
                options.UseNpgsql(connectionString, npgsql => npgsql.CommandTimeout(database.CommandTimeoutSeconds));
            }
            else
            {
                var connectionString = database.ConnectionString
                    ?? $"Data Source={services.GetRequiredService<DataDirectory>().PathOf("trabecula.db")};Pooling=True";
                options.UseSqlite(connectionString, sqlite => sqlite.CommandTimeout(database.CommandTimeoutSeconds))
                    .AddInterceptors(services.GetRequiredService<SqlitePragmaInterceptor>());
            }

            // The invalidator reads what the listing interceptor wrote, so it comes second.
            options.AddInterceptors(services.GetRequiredService<OrderListingInterceptor>(), services.GetRequiredService<OrderListCacheInvalidator>());

            // Migrations are hand-written and there is no model snapshot (no EF Design package),
            // so EF cannot compare them with the model; MigrationSchemaTests does that instead.
            options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
            options.ReplaceService<IModelCacheKeyFactory, ProtectorModelCacheKeyFactory>();
        }, contextLifetime: ServiceLifetime.Scoped, optionsLifetime: ServiceLifetime.Singleton);
        return builder;
    }

    /// <summary>Applies pending migrations and returns how many were applied.</summary>
    public static async Task<int> MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        // On a fresh database the history table does not exist yet; asking EF for pending
        // migrations would log a failed query as an error on every first start.
        var history = db.GetService<IHistoryRepository>();
        var pending = await history.ExistsAsync(cancellationToken)
            ? (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList()
            : db.Database.GetMigrations().ToList();
        if (pending.Count > 0)
        {
            await db.Database.MigrateAsync(cancellationToken);
            var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("Trabecula.Data");
            LogMigrated(logger, pending.Count, pending[^1]);
        }

        return pending.Count;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Applied {Count} migration(s); the schema is now at {Latest}")]
    private static partial void LogMigrated(ILogger logger, int count, string latest);
}
