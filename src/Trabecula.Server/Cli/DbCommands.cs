using System.CommandLine;
using Trabecula.Server.Data;

namespace Trabecula.Server.Cli;

internal static class DbCommands
{
    public static Command Create(CliContext context)
    {
        var migrate = new Command("migrate", "Apply pending database migrations (SQLite or PostgreSQL, as configured) and exit.");
        migrate.SetAction(async (parse, cancellationToken) =>
        {
            await using var app = await context.BuildForCommandAsync(parse, migrate: false, cancellationToken);
            var applied = await app.Services.MigrateDatabaseAsync(cancellationToken);
            await Features.Accounts.AccountsExtensions.EnsureRolesAsync(app.Services, cancellationToken);
            await Features.Permissions.PermissionDefaults.EnsurePermissionDefaultsAsync(app.Services, cancellationToken);
            Console.WriteLine(applied == 0
                ? "The database is up to date."
                : $"Applied {applied} migration(s); the database is up to date.");
            return 0;
        });

        var db = new Command("db", "Database maintenance.");
        db.Subcommands.Add(migrate);
        return db;
    }
}
