using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>Break-glass grants (R-AUTH-6) with their review.</summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261122090000_EmergencyAccess")]
public sealed class EmergencyAccess : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "EmergencyGrants",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                UserId = table.Column<Guid>(nullable: false),
                UserName = table.Column<string>(maxLength: 256, nullable: false),
                OrganizationId = table.Column<Guid>(nullable: false),
                Reason = table.Column<string>(maxLength: 1000, nullable: false),
                OpenedAt = table.Column<DateTime>(nullable: false),
                ExpiresAt = table.Column<DateTime>(nullable: false),
                EndedAt = table.Column<DateTime>(nullable: true),
                EndedEarly = table.Column<bool>(nullable: false),
                ReviewedAt = table.Column<DateTime>(nullable: true),
                ReviewedBy = table.Column<Guid>(nullable: true),
                ReviewerName = table.Column<string>(maxLength: 256, nullable: true),
                Verdict = table.Column<string>(maxLength: 16, nullable: true),
                ReviewNote = table.Column<string>(maxLength: 2000, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_EmergencyGrants", x => x.Id);
                table.ForeignKey("FK_EmergencyGrants_Orders_OrderId", x => x.OrderId, "Orders", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_EmergencyGrants_UserId_OrderId_ExpiresAt", table: "EmergencyGrants", columns: ["UserId", "OrderId", "ExpiresAt"]);
        migrationBuilder.CreateIndex(name: "IX_EmergencyGrants_ReviewedAt_EndedAt", table: "EmergencyGrants", columns: ["ReviewedAt", "EndedAt"]);
        migrationBuilder.CreateIndex(name: "IX_EmergencyGrants_OrderId", table: "EmergencyGrants", column: "OrderId");
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "EmergencyGrants");
}
