using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>
/// Uploads are sealed as they arrive (a part file in the blob format, a per-generation data key
/// and the unfinished chunk in the row) instead of spooled in AES-CTR and sealed again at the end.
/// An upload still in progress under the old spool cannot be continued in the new form: it is
/// expired now, the sweeper removes it with its spool file, and its client (tus: HEAD answers
/// 404) starts it again.
/// </summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261204000000_SealedUploadParts")]
public sealed class SealedUploadParts : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<int>(name: "KeyGeneration", table: "Uploads", nullable: false, defaultValue: 0);
        migrationBuilder.AddColumn<string>(name: "PartKey", table: "Uploads", maxLength: 32, nullable: true);
        migrationBuilder.AddColumn<byte[]>(name: "WrappedKey", table: "Uploads", maxLength: 128, nullable: true);
        migrationBuilder.AddColumn<Guid>(name: "KekId", table: "Uploads", nullable: true);
        migrationBuilder.AddColumn<byte[]>(name: "Tail", table: "Uploads", maxLength: 65600, nullable: true);
        migrationBuilder.Sql("UPDATE \"Uploads\" SET \"ExpiresAt\" = \"CreatedAt\" WHERE \"BlobKey\" IS NULL");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "Tail", table: "Uploads");
        migrationBuilder.DropColumn(name: "KekId", table: "Uploads");
        migrationBuilder.DropColumn(name: "WrappedKey", table: "Uploads");
        migrationBuilder.DropColumn(name: "PartKey", table: "Uploads");
        migrationBuilder.DropColumn(name: "KeyGeneration", table: "Uploads");
    }
}
