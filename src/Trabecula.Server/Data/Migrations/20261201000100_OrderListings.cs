using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>
/// The order list's own index (<c>OrderListings</c>, one row per order and participating
/// organization), filled from the existing orders; from here on the application keeps it in step.
/// The per-party indexes on Orders it replaces for the list are dropped.
/// </summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261201000100_OrderListings")]
public sealed class OrderListings : Migration
{
    private static readonly string[] Parties = ["InstitutionId", "DesignerId", "ManufacturerId", "RegistrantId"];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "OrderListings",
            columns: table => new
            {
                OrderId = table.Column<Guid>(nullable: false),
                OrganizationId = table.Column<Guid>(nullable: false),
                Number = table.Column<string>(maxLength: 32, nullable: false),
                State = table.Column<string>(maxLength: 32, nullable: false),
                DeviceCategory = table.Column<string>(maxLength: 64, nullable: false),
                CaseId = table.Column<Guid>(nullable: false),
                Pseudonym = table.Column<string>(maxLength: 16, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_OrderListings", x => new { x.OrderId, x.OrganizationId });
                table.ForeignKey("FK_OrderListings_Orders_OrderId", x => x.OrderId, "Orders", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex(name: "IX_OrderListings_OrganizationId_CreatedAt_OrderId", table: "OrderListings", columns: ["OrganizationId", "CreatedAt", "OrderId"]);
        migrationBuilder.CreateIndex(name: "IX_OrderListings_OrganizationId_State_CreatedAt_OrderId", table: "OrderListings", columns: ["OrganizationId", "State", "CreatedAt", "OrderId"]);
        migrationBuilder.CreateIndex(
            name: "IX_OrderListings_OrganizationId_State_DeviceCategory_CreatedAt_OrderId", table: "OrderListings", columns: ["OrganizationId", "State", "DeviceCategory", "CreatedAt", "OrderId"]);
        migrationBuilder.CreateIndex(name: "IX_OrderListings_OrganizationId_DeviceCategory_CreatedAt_OrderId", table: "OrderListings", columns: ["OrganizationId", "DeviceCategory", "CreatedAt", "OrderId"]);

        // One row per distinct (order, organization): UNION drops the duplicate when one
        // organization plays two parties on the same order. Quoted names work on both databases.
        var branches = Parties.Select(p =>
            $"SELECT o.\"Id\", o.\"{p}\", o.\"Number\", o.\"State\", o.\"DeviceCategory\", o.\"CaseId\", c.\"Pseudonym\", o.\"CreatedAt\", o.\"UpdatedAt\" "
            + $"FROM \"Orders\" o JOIN \"Cases\" c ON c.\"Id\" = o.\"CaseId\" WHERE o.\"{p}\" IS NOT NULL");
        migrationBuilder.Sql(
            "INSERT INTO \"OrderListings\" (\"OrderId\", \"OrganizationId\", \"Number\", \"State\", \"DeviceCategory\", \"CaseId\", \"Pseudonym\", \"CreatedAt\", \"UpdatedAt\") "
            + string.Join(" UNION ", branches) + ";");

        foreach (var party in Parties)
        {
            migrationBuilder.DropIndex(name: $"IX_Orders_{party}_State_CreatedAt", table: "Orders");
        }
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var party in Parties)
        {
            migrationBuilder.CreateIndex(name: $"IX_Orders_{party}_State_CreatedAt", table: "Orders", columns: [party, "State", "CreatedAt"]);
        }

        migrationBuilder.DropTable(name: "OrderListings");
    }
}
