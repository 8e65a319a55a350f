using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>The stage permission matrix (R-XFER-2): one row per allowed cell; the defaults are loaded on first start.</summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261122070000_PermissionMatrix")]
public sealed class PermissionMatrix : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "PermissionRules",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                Party = table.Column<string>(maxLength: 40, nullable: false),
                Role = table.Column<string>(maxLength: 40, nullable: false),
                Stage = table.Column<string>(maxLength: 32, nullable: false),
                Class = table.Column<string>(maxLength: 40, nullable: false),
                Action = table.Column<string>(maxLength: 16, nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_PermissionRules", x => x.Id));
        migrationBuilder.CreateIndex(
            name: "IX_PermissionRules_Party_Role_Stage_Class_Action",
            table: "PermissionRules",
            columns: ["Party", "Role", "Stage", "Class", "Action"],
            unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "PermissionRules");
}
