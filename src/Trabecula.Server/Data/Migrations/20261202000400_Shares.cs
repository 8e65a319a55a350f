using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>
/// Shares (R-XFER-2 share): one artifact of an order, one recipient of another participating
/// organization, a validity window and a revocation. The two indexes serve the recipient's list
/// and the order's list.
/// </summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261202000400_Shares")]
public sealed class Shares : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "ArtifactShares",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                ArtifactKind = table.Column<string>(maxLength: 40, nullable: false),
                ArtifactId = table.Column<Guid>(nullable: false),
                DataClass = table.Column<string>(maxLength: 40, nullable: false),
                Label = table.Column<string>(maxLength: 300, nullable: false),
                OwnerId = table.Column<Guid>(nullable: false),
                OwnerName = table.Column<string>(maxLength: 256, nullable: false),
                OwnerOrganizationId = table.Column<Guid>(nullable: false),
                RecipientId = table.Column<Guid>(nullable: false),
                RecipientName = table.Column<string>(maxLength: 256, nullable: false),
                RecipientOrganizationId = table.Column<Guid>(nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                ExpiresAt = table.Column<DateTime>(nullable: false),
                RevokedAt = table.Column<DateTime>(nullable: true),
                RevokedBy = table.Column<Guid>(nullable: true),
            },
            constraints: table => table.PrimaryKey("PK_ArtifactShares", x => x.Id));
        migrationBuilder.CreateIndex(name: "IX_ArtifactShares_RecipientId_ExpiresAt", table: "ArtifactShares", columns: ["RecipientId", "ExpiresAt"]);
        migrationBuilder.CreateIndex(name: "IX_ArtifactShares_OrderId_OwnerOrganizationId", table: "ArtifactShares", columns: ["OrderId", "OwnerOrganizationId"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "ArtifactShares");
}
