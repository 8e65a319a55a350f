using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>Server-side sessions (R-AUTH-4) and security alert records (R-AUTH-3, R-SEC-5).</summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261122020000_SessionsAndAlerts")]
public sealed class SessionsAndAlerts : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "UserSessions",
            columns: table => new
            {
                Id = table.Column<string>(maxLength: 64, nullable: false),
                UserId = table.Column<Guid>(nullable: false),
                AuditSessionId = table.Column<string>(maxLength: 64, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                LastSeenAt = table.Column<DateTime>(nullable: false),
                AbsoluteExpiresAt = table.Column<DateTime>(nullable: false),
                Ticket = table.Column<byte[]>(nullable: false),
                SourceIp = table.Column<string>(maxLength: 64, nullable: true),
                UserAgent = table.Column<string>(maxLength: 256, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_UserSessions", x => x.Id);
                table.ForeignKey("FK_UserSessions_AspNetUsers_UserId", x => x.UserId, "AspNetUsers", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(name: "IX_UserSessions_UserId", table: "UserSessions", column: "UserId");

        migrationBuilder.CreateTable(
            name: "SecurityAlerts",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                Kind = table.Column<string>(maxLength: 32, nullable: false),
                RaisedAt = table.Column<DateTime>(nullable: false),
                Subject = table.Column<string>(maxLength: 256, nullable: true),
                SourceIp = table.Column<string>(maxLength: 64, nullable: true),
                Summary = table.Column<string>(maxLength: 500, nullable: false),
                AcknowledgedAt = table.Column<DateTime>(nullable: true),
                AcknowledgedBy = table.Column<Guid>(nullable: true),
            },
            constraints: table => table.PrimaryKey("PK_SecurityAlerts", x => x.Id));
        migrationBuilder.CreateIndex(name: "IX_SecurityAlerts_RaisedAt", table: "SecurityAlerts", column: "RaisedAt");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "UserSessions");
        migrationBuilder.DropTable(name: "SecurityAlerts");
    }
}
