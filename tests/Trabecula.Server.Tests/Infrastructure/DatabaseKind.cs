namespace Trabecula.Server.Tests.Infrastructure;

/// <summary>The two databases every database-facing test runs on (Bitwarden's [DatabaseData] idea).</summary>
public enum DatabaseKind
{
    Sqlite,
    PostgreSql,
}
