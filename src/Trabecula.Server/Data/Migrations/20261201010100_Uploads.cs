using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>Resumable (tus) uploads.</summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261201010100_Uploads")]
public sealed class Uploads : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "Uploads",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OwnerId = table.Column<Guid>(nullable: false),
                Length = table.Column<long>(nullable: false),
                Offset = table.Column<long>(nullable: false),
                Metadata = table.Column<string>(maxLength: 8192, nullable: true),
                CreatedAt = table.Column<DateTime>(nullable: false),
                ExpiresAt = table.Column<DateTime>(nullable: false),
                BlobKey = table.Column<string>(maxLength: 32, nullable: true),
                Sha256 = table.Column<string>(maxLength: 64, nullable: true),
                CompletedAt = table.Column<DateTime>(nullable: true),
                ConsumedAt = table.Column<DateTime>(nullable: true),
                ConsumedBy = table.Column<string>(maxLength: 128, nullable: true),
            },
            constraints: table => table.PrimaryKey("PK_Uploads", x => x.Id));
        migrationBuilder.CreateIndex(name: "IX_Uploads_OwnerId", table: "Uploads", column: "OwnerId");
        migrationBuilder.CreateIndex(name: "IX_Uploads_ExpiresAt", table: "Uploads", column: "ExpiresAt");
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "Uploads");
}
