using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>(party, state, created) per party column: the order list filtered by state seeks instead of scanning.</summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261122100000_OrderListIndexes")]
public sealed class OrderListIndexes : Migration
{
    private static readonly string[] Parties = ["InstitutionId", "DesignerId", "ManufacturerId", "RegistrantId"];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        foreach (var party in Parties)
        {
            migrationBuilder.CreateIndex(name: $"IX_Orders_{party}_State_CreatedAt", table: "Orders", columns: [party, "State", "CreatedAt"]);
        }
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var party in Parties)
        {
            migrationBuilder.DropIndex(name: $"IX_Orders_{party}_State_CreatedAt", table: "Orders");
        }
    }
}
