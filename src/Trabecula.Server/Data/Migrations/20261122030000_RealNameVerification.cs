using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>Real-name verification fields on users (R-AUTH-1); the identity number column holds ciphertext.</summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261122030000_RealNameVerification")]
public sealed class RealNameVerification : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(name: "IdentityDocumentNumber", table: "AspNetUsers", maxLength: 200, nullable: true);
        migrationBuilder.AddColumn<string>(name: "MobileNumber", table: "AspNetUsers", maxLength: 32, nullable: true);
        migrationBuilder.AddColumn<string>(name: "PractitionerLicenceNumber", table: "AspNetUsers", maxLength: 64, nullable: true);
        migrationBuilder.AddColumn<DateTime>(name: "VerifiedAt", table: "AspNetUsers", nullable: true);
        migrationBuilder.AddColumn<Guid>(name: "VerifiedBy", table: "AspNetUsers", nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(name: "IdentityDocumentNumber", table: "AspNetUsers");
        migrationBuilder.DropColumn(name: "MobileNumber", table: "AspNetUsers");
        migrationBuilder.DropColumn(name: "PractitionerLicenceNumber", table: "AspNetUsers");
        migrationBuilder.DropColumn(name: "VerifiedAt", table: "AspNetUsers");
        migrationBuilder.DropColumn(name: "VerifiedBy", table: "AspNetUsers");
    }
}
