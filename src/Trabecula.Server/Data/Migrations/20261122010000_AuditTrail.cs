using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>
/// The append-only audit trail (R-SEC-2): entries, signed checkpoints, the signed chain head (one
/// row, created here empty), and triggers that refuse UPDATE and DELETE of entries and checkpoints
/// on both databases. Whoever bypasses a trigger (a superuser dropping it) is caught by
/// `trabecula audit verify`.
/// </summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261122010000_AuditTrail")]
public sealed class AuditTrail : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "AuditEntries",
            columns: table => new
            {
                Sequence = table.Column<long>(nullable: false),
                OccurredAt = table.Column<DateTime>(nullable: false),
                ActorType = table.Column<string>(maxLength: 16, nullable: false),
                ActorId = table.Column<string>(maxLength: 64, nullable: true),
                ActorName = table.Column<string>(maxLength: 256, nullable: true),
                ActorRealName = table.Column<string>(maxLength: 100, nullable: true),
                ActorOrganizationId = table.Column<Guid>(nullable: true),
                ActorOrganizationName = table.Column<string>(maxLength: 200, nullable: true),
                SessionId = table.Column<string>(maxLength: 64, nullable: true),
                RequestId = table.Column<string>(maxLength: 128, nullable: true),
                Action = table.Column<string>(maxLength: 48, nullable: false),
                TargetType = table.Column<string>(maxLength: 64, nullable: true),
                TargetId = table.Column<string>(maxLength: 128, nullable: true),
                OrderId = table.Column<Guid>(nullable: true),
                Outcome = table.Column<string>(maxLength: 16, nullable: false),
                SourceIp = table.Column<string>(maxLength: 64, nullable: true),
                UserAgent = table.Column<string>(maxLength: 256, nullable: true),
                Details = table.Column<string>(nullable: true),
                PreviousHash = table.Column<byte[]>(nullable: false),
                Hash = table.Column<byte[]>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_AuditEntries", x => x.Sequence));

        migrationBuilder.CreateIndex(name: "IX_AuditEntries_OccurredAt", table: "AuditEntries", column: "OccurredAt");
        migrationBuilder.CreateIndex(name: "IX_AuditEntries_ActorId_OccurredAt", table: "AuditEntries", columns: ["ActorId", "OccurredAt"]);
        migrationBuilder.CreateIndex(name: "IX_AuditEntries_OrderId_Sequence", table: "AuditEntries", columns: ["OrderId", "Sequence"]);
        migrationBuilder.CreateIndex(name: "IX_AuditEntries_Action_OccurredAt", table: "AuditEntries", columns: ["Action", "OccurredAt"]);

        migrationBuilder.CreateTable(
            name: "AuditCheckpoints",
            columns: table => new
            {
                Sequence = table.Column<long>(nullable: false),
                Hash = table.Column<byte[]>(nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                KeyId = table.Column<string>(maxLength: 32, nullable: false),
                Signature = table.Column<byte[]>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_AuditCheckpoints", x => x.Sequence));

        migrationBuilder.CreateTable(
            name: "AuditChainHeads",
            columns: table => new
            {
                Id = table.Column<int>(nullable: false),
                LastSequence = table.Column<long>(nullable: false),
                LastHash = table.Column<byte[]>(nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false),
                LastCheckpointAt = table.Column<DateTime>(nullable: false),
                Signature = table.Column<byte[]>(nullable: true),
                KeyId = table.Column<string>(maxLength: 32, nullable: true),
            },
            constraints: table => table.PrimaryKey("PK_AuditChainHeads", x => x.Id));

        // The empty chain: sequence 0, the all-zero genesis hash, no signature yet. Written as SQL
        // because without a model snapshot EF cannot type InsertData's values per provider.
        migrationBuilder.Sql(migrationBuilder.IsNpgsql()
            ? "INSERT INTO \"AuditChainHeads\" (\"Id\", \"LastSequence\", \"LastHash\", \"UpdatedAt\", \"LastCheckpointAt\") " +
              "VALUES (1, 0, decode(repeat('00', 32), 'hex'), TIMESTAMPTZ '2026-01-01 00:00:00+00', TIMESTAMPTZ '2026-01-01 00:00:00+00');"
            : "INSERT INTO \"AuditChainHeads\" (\"Id\", \"LastSequence\", \"LastHash\", \"UpdatedAt\", \"LastCheckpointAt\") " +
              "VALUES (1, 0, zeroblob(32), '2026-01-01 00:00:00', '2026-01-01 00:00:00');");

        if (migrationBuilder.IsNpgsql())
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION trabecula_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'audit records are append-only: % on % refused', TG_OP, TG_TABLE_NAME
                        USING ERRCODE = 'insufficient_privilege';
                END $$;
                CREATE TRIGGER "AuditEntries_append_only" BEFORE UPDATE OR DELETE ON "AuditEntries"
                    FOR EACH ROW EXECUTE FUNCTION trabecula_audit_append_only();
                CREATE TRIGGER "AuditEntries_no_truncate" BEFORE TRUNCATE ON "AuditEntries"
                    FOR EACH STATEMENT EXECUTE FUNCTION trabecula_audit_append_only();
                CREATE TRIGGER "AuditCheckpoints_append_only" BEFORE UPDATE OR DELETE ON "AuditCheckpoints"
                    FOR EACH ROW EXECUTE FUNCTION trabecula_audit_append_only();
                CREATE TRIGGER "AuditCheckpoints_no_truncate" BEFORE TRUNCATE ON "AuditCheckpoints"
                    FOR EACH STATEMENT EXECUTE FUNCTION trabecula_audit_append_only();
                """);
        }
        else
        {
            migrationBuilder.Sql("""
                CREATE TRIGGER "AuditEntries_no_update" BEFORE UPDATE ON "AuditEntries"
                BEGIN SELECT RAISE(ABORT, 'audit records are append-only: UPDATE refused'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "AuditEntries_no_delete" BEFORE DELETE ON "AuditEntries"
                BEGIN SELECT RAISE(ABORT, 'audit records are append-only: DELETE refused'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "AuditCheckpoints_no_update" BEFORE UPDATE ON "AuditCheckpoints"
                BEGIN SELECT RAISE(ABORT, 'audit records are append-only: UPDATE refused'); END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "AuditCheckpoints_no_delete" BEFORE DELETE ON "AuditCheckpoints"
                BEGIN SELECT RAISE(ABORT, 'audit records are append-only: DELETE refused'); END;
                """);
        }
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "AuditEntries");
        migrationBuilder.DropTable(name: "AuditCheckpoints");
        migrationBuilder.DropTable(name: "AuditChainHeads");
        if (migrationBuilder.IsNpgsql())
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS trabecula_audit_append_only();");
        }
    }
}
