using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>Comments and confirmations on orders (R-CASE-4).</summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261122080000_OrderFeedback")]
public sealed class OrderFeedback : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "OrderComments",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                ArtifactType = table.Column<string>(maxLength: 32, nullable: false),
                ArtifactId = table.Column<string>(maxLength: 64, nullable: true),
                ParentId = table.Column<Guid>(nullable: true),
                Body = table.Column<string>(maxLength: 4000, nullable: false),
                Mentions = table.Column<string>(maxLength: 1000, nullable: false),
                AuthorId = table.Column<Guid>(nullable: false),
                AuthorName = table.Column<string>(maxLength: 256, nullable: false),
                AuthorOrganization = table.Column<string>(maxLength: 200, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_OrderComments", x => x.Id);
                table.ForeignKey("FK_OrderComments_Orders_OrderId", x => x.OrderId, "Orders", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_OrderComments_OrderId_CreatedAt", table: "OrderComments", columns: ["OrderId", "CreatedAt"]);

        migrationBuilder.CreateTable(
            name: "OrderConfirmations",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                ArtifactType = table.Column<string>(maxLength: 32, nullable: false),
                ArtifactVersion = table.Column<int>(nullable: false),
                Statement = table.Column<string>(maxLength: 500, nullable: false),
                ActorId = table.Column<Guid>(nullable: false),
                ActorName = table.Column<string>(maxLength: 256, nullable: false),
                ActorOrganization = table.Column<string>(maxLength: 200, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_OrderConfirmations", x => x.Id);
                table.ForeignKey("FK_OrderConfirmations_Orders_OrderId", x => x.OrderId, "Orders", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(
            name: "IX_OrderConfirmations_OrderId_ArtifactType_ArtifactVersion_ActorId",
            table: "OrderConfirmations",
            columns: ["OrderId", "ArtifactType", "ArtifactVersion", "ActorId"],
            unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "OrderComments");
        migrationBuilder.DropTable(name: "OrderConfirmations");
    }
}
