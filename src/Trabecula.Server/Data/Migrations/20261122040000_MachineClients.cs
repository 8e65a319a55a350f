using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>Machine clients with hashed secrets (R-AUTH-5).</summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261122040000_MachineClients")]
public sealed class MachineClients : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "MachineClients",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrganizationId = table.Column<Guid>(nullable: false),
                Name = table.Column<string>(maxLength: 100, nullable: false),
                ClientId = table.Column<string>(maxLength: 40, nullable: false),
                SecretHash = table.Column<string>(maxLength: 64, nullable: false),
                SecretVersion = table.Column<int>(nullable: false),
                Scopes = table.Column<string>(maxLength: 500, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                CreatedBy = table.Column<Guid>(nullable: false),
                RotatedAt = table.Column<DateTime>(nullable: true),
                RevokedAt = table.Column<DateTime>(nullable: true),
                LastTokenAt = table.Column<DateTime>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_MachineClients", x => x.Id);
                table.ForeignKey("FK_MachineClients_Organizations_OrganizationId", x => x.OrganizationId, "Organizations", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_MachineClients_ClientId", table: "MachineClients", column: "ClientId", unique: true);
        migrationBuilder.CreateIndex(name: "IX_MachineClients_OrganizationId", table: "MachineClients", column: "OrganizationId");
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "MachineClients");
}
