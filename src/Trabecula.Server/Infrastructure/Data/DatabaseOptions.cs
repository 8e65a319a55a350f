using Microsoft.Extensions.Options;

namespace Trabecula.Server.Infrastructure.Data;

/// <summary>The "Database" section.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";
    public const string Sqlite = "Sqlite";
    public const string PostgreSql = "PostgreSQL";

    /// <summary>"Sqlite" (default, a file in the data folder) or "PostgreSQL".</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// Required for PostgreSQL (or ConnectionStrings:Trabecula). For SQLite it overrides the
    /// default file &lt;data&gt;/trabecula.db.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations when the server starts. Turn off where a release step runs "trabecula db migrate".</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>Seconds a command may run before it is cancelled (DOS-04: no query runs forever).</summary>
    public int CommandTimeoutSeconds { get; set; } = 30;

    public bool IsPostgreSql => string.Equals(Provider, PostgreSql, StringComparison.OrdinalIgnoreCase);
}

internal sealed class DatabaseOptionsValidator(IConfiguration configuration) : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        var errors = new List<string>();
        var known = string.Equals(options.Provider, DatabaseOptions.Sqlite, StringComparison.OrdinalIgnoreCase) || options.IsPostgreSql;
        if (!known)
        {
            errors.Add($"Database:Provider must be '{DatabaseOptions.Sqlite}' or '{DatabaseOptions.PostgreSql}' (got '{options.Provider}').");
        }

        if (options.IsPostgreSql && string.IsNullOrWhiteSpace(options.ConnectionString ?? configuration.GetConnectionString("Trabecula")))
        {
            errors.Add("Database:ConnectionString (or ConnectionStrings:Trabecula) is required when Database:Provider is PostgreSQL.");
        }

        if (options.CommandTimeoutSeconds is < 1 or > 3600)
        {
            errors.Add($"Database:CommandTimeoutSeconds must be between 1 and 3600 (got {options.CommandTimeoutSeconds}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
