using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>Patient datasets and stored DICOM instances (R-DATA-1..3).</summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261122110000_PatientData")]
public sealed class PatientData : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "PatientDatasets",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                Kind = table.Column<string>(maxLength: 32, nullable: false),
                Description = table.Column<string>(maxLength: 500, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                CreatedBy = table.Column<Guid>(nullable: false),
                CreatedByName = table.Column<string>(maxLength: 256, nullable: false),
                ConfirmedAt = table.Column<DateTime>(nullable: true),
                ConfirmedBy = table.Column<Guid>(nullable: true),
                ConfirmedByName = table.Column<string>(maxLength: 256, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_PatientDatasets", x => x.Id);
                table.ForeignKey("FK_PatientDatasets_Orders_OrderId", x => x.OrderId, "Orders", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_PatientDatasets_OrderId", table: "PatientDatasets", column: "OrderId");

        migrationBuilder.CreateTable(
            name: "DicomInstances",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                DatasetId = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                StudyInstanceUid = table.Column<string>(maxLength: 64, nullable: false),
                SeriesInstanceUid = table.Column<string>(maxLength: 64, nullable: false),
                SopInstanceUid = table.Column<string>(maxLength: 64, nullable: false),
                SopClassUid = table.Column<string>(maxLength: 64, nullable: true),
                TransferSyntaxUid = table.Column<string>(maxLength: 64, nullable: false),
                Modality = table.Column<string>(maxLength: 16, nullable: true),
                BlobKey = table.Column<string>(maxLength: 32, nullable: false),
                Length = table.Column<long>(nullable: false),
                Sha256 = table.Column<string>(maxLength: 64, nullable: false),
                DeidentifiedBlobKey = table.Column<string>(maxLength: 32, nullable: true),
                DeidentifiedLength = table.Column<long>(nullable: true),
                DeidentifiedSha256 = table.Column<string>(maxLength: 64, nullable: true),
                BurnedInAnnotation = table.Column<bool>(nullable: false),
                Header = table.Column<string>(nullable: false),
                ReceivedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DicomInstances", x => x.Id);
                table.ForeignKey("FK_DicomInstances_PatientDatasets_DatasetId", x => x.DatasetId, "PatientDatasets", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_DicomInstances_DatasetId_SopInstanceUid", table: "DicomInstances", columns: ["DatasetId", "SopInstanceUid"], unique: true);
        migrationBuilder.CreateIndex(name: "IX_DicomInstances_OrderId_SeriesInstanceUid", table: "DicomInstances", columns: ["OrderId", "SeriesInstanceUid"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "DicomInstances");
        migrationBuilder.DropTable(name: "PatientDatasets");
    }
}
