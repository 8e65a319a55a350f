using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>For the few statements (triggers) that each database spells its own way.</summary>
internal static class MigrationBuilderExtensions
{
    public static bool IsNpgsql(this MigrationBuilder migrationBuilder) =>
        migrationBuilder.ActiveProvider == "Npgsql.EntityFrameworkCore.PostgreSQL";
}
