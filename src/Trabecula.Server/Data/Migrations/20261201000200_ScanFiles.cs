using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>Optical captures and model scans: their files, and the acquisition facts entered by hand on the dataset.</summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261201000200_ScanFiles")]
public sealed class ScanFiles : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(name: "DeviceManufacturer", table: "PatientDatasets", maxLength: 128, nullable: true);
        migrationBuilder.AddColumn<string>(name: "DeviceModel", table: "PatientDatasets", maxLength: 128, nullable: true);
        migrationBuilder.AddColumn<string>(name: "DeviceSerialNumber", table: "PatientDatasets", maxLength: 128, nullable: true);
        migrationBuilder.AddColumn<double>(name: "ResolutionMm", table: "PatientDatasets", nullable: true);
        migrationBuilder.AddColumn<double>(name: "AccuracyMm", table: "PatientDatasets", nullable: true);
        migrationBuilder.AddColumn<DateTime>(name: "AcquiredAt", table: "PatientDatasets", nullable: true);

        migrationBuilder.CreateTable(
            name: "ScanFiles",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                DatasetId = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                Format = table.Column<string>(maxLength: 16, nullable: false),
                OriginalName = table.Column<string>(maxLength: 1000, nullable: true),
                BlobKey = table.Column<string>(maxLength: 64, nullable: false),
                Length = table.Column<long>(nullable: false),
                Sha256 = table.Column<string>(maxLength: 64, nullable: false),
                Report = table.Column<string>(maxLength: 4000, nullable: false),
                ReceivedAt = table.Column<DateTime>(nullable: false),
                ReceivedBy = table.Column<Guid>(nullable: false),
                DeidentifiedBlobKey = table.Column<string>(maxLength: 64, nullable: true),
                DeidentifiedLength = table.Column<long>(nullable: true),
                DeidentifiedSha256 = table.Column<string>(maxLength: 64, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ScanFiles", x => x.Id);
                table.ForeignKey("FK_ScanFiles_PatientDatasets_DatasetId", x => x.DatasetId, "PatientDatasets", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_ScanFiles_DatasetId_Sha256", table: "ScanFiles", columns: ["DatasetId", "Sha256"], unique: true);
        migrationBuilder.CreateIndex(name: "IX_ScanFiles_OrderId", table: "ScanFiles", column: "OrderId");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "ScanFiles");
        foreach (var column in new[] { "DeviceManufacturer", "DeviceModel", "DeviceSerialNumber", "ResolutionMm", "AccuracyMm", "AcquiredAt" })
        {
            migrationBuilder.DropColumn(name: column, table: "PatientDatasets");
        }
    }
}
