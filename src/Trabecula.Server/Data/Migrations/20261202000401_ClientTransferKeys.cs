using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>A machine client's public key for encrypted export packages (R-XFER-2 encrypt/decrypt), one active per client.</summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261202000401_ClientTransferKeys")]
public sealed class ClientTransferKeys : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "ClientTransferKeys",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                MachineClientId = table.Column<Guid>(nullable: false),
                KeyId = table.Column<string>(maxLength: 16, nullable: false),
                PublicKey = table.Column<string>(maxLength: 400, nullable: false),
                Algorithm = table.Column<string>(maxLength: 32, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                CreatedBy = table.Column<Guid>(nullable: false),
                RetiredAt = table.Column<DateTime>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ClientTransferKeys", x => x.Id);
                table.ForeignKey("FK_ClientTransferKeys_MachineClients_MachineClientId", x => x.MachineClientId, "MachineClients", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_ClientTransferKeys_MachineClientId_RetiredAt", table: "ClientTransferKeys", columns: ["MachineClientId", "RetiredAt"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "ClientTransferKeys");
}
