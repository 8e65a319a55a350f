using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>The blob store's rows (Blobs) and its key ring (KeyEncryptionKeys).</summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261201010000_BlobStore")]
public sealed class BlobStore : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "KeyEncryptionKeys",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                WrappedKey = table.Column<byte[]>(maxLength: 128, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_KeyEncryptionKeys", x => x.Id));
        migrationBuilder.CreateIndex(name: "IX_KeyEncryptionKeys_CreatedAt", table: "KeyEncryptionKeys", column: "CreatedAt");

        migrationBuilder.CreateTable(
            name: "Blobs",
            columns: table => new
            {
                Key = table.Column<string>(maxLength: 32, nullable: false),
                WrappedKey = table.Column<byte[]>(maxLength: 128, nullable: false),
                KekId = table.Column<Guid>(nullable: false),
                Length = table.Column<long>(nullable: false),
                StoredLength = table.Column<long>(nullable: false),
                Sha256 = table.Column<string>(maxLength: 64, nullable: false),
                Compression = table.Column<string>(maxLength: 16, nullable: false),
                Sensitivity = table.Column<string>(maxLength: 32, nullable: false),
                Category = table.Column<string>(maxLength: 64, nullable: true),
                OrderId = table.Column<Guid>(nullable: true),
                Target = table.Column<string>(maxLength: 16, nullable: false),
                Region = table.Column<string>(maxLength: 64, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_Blobs", x => x.Key));
        migrationBuilder.CreateIndex(name: "IX_Blobs_KekId", table: "Blobs", column: "KekId");
        migrationBuilder.CreateIndex(name: "IX_Blobs_OrderId", table: "Blobs", column: "OrderId");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "Blobs");
        migrationBuilder.DropTable(name: "KeyEncryptionKeys");
    }
}
