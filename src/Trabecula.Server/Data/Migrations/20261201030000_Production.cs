using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>
/// Production and traceability (R-TRACE-1..3): master records (materials, lots, machines,
/// sterilization batches), production steps and their attachments, device identifiers, and after
/// the factory: shipments, surgical use, follow-ups. The step indexes by lot, machine and batch are
/// what keeps the recall query from scanning.
/// </summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261201030000_Production")]
public sealed class Production : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "Materials",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                ManufacturerId = table.Column<Guid>(nullable: false),
                Name = table.Column<string>(maxLength: 200, nullable: false),
                Specification = table.Column<string>(maxLength: 200, nullable: false),
                Supplier = table.Column<string>(maxLength: 200, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_Materials", x => x.Id));
        migrationBuilder.CreateIndex(name: "IX_Materials_ManufacturerId_Name", table: "Materials", columns: ["ManufacturerId", "Name"], unique: true);

        migrationBuilder.CreateTable(
            name: "MaterialLots",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                ManufacturerId = table.Column<Guid>(nullable: false),
                MaterialId = table.Column<Guid>(nullable: false),
                LotNumber = table.Column<string>(maxLength: 64, nullable: false),
                CertificateNumber = table.Column<string>(maxLength: 100, nullable: true),
                ReceivedOn = table.Column<DateOnly>(nullable: true),
                ExpiresOn = table.Column<DateOnly>(nullable: true),
                CreatedAt = table.Column<DateTime>(nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_MaterialLots", x => x.Id);
                table.ForeignKey("FK_MaterialLots_Materials_MaterialId", x => x.MaterialId, "Materials", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_MaterialLots_MaterialId_LotNumber", table: "MaterialLots", columns: ["MaterialId", "LotNumber"], unique: true);
        migrationBuilder.CreateIndex(name: "IX_MaterialLots_ManufacturerId_LotNumber", table: "MaterialLots", columns: ["ManufacturerId", "LotNumber"]);

        migrationBuilder.CreateTable(
            name: "ProductionMachines",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                ManufacturerId = table.Column<Guid>(nullable: false),
                Name = table.Column<string>(maxLength: 200, nullable: false),
                Model = table.Column<string>(maxLength: 200, nullable: false),
                SerialNumber = table.Column<string>(maxLength: 100, nullable: false),
                Process = table.Column<string>(maxLength: 16, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_ProductionMachines", x => x.Id));
        migrationBuilder.CreateIndex(name: "IX_ProductionMachines_ManufacturerId_SerialNumber", table: "ProductionMachines", columns: ["ManufacturerId", "SerialNumber"], unique: true);

        migrationBuilder.CreateTable(
            name: "SterilizationBatches",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                ManufacturerId = table.Column<Guid>(nullable: false),
                Method = table.Column<string>(maxLength: 32, nullable: false),
                CycleId = table.Column<string>(maxLength: 64, nullable: false),
                Sterilizer = table.Column<string>(maxLength: 200, nullable: false),
                Parameters = table.Column<string>(maxLength: 2000, nullable: false),
                IndicatorResult = table.Column<string>(maxLength: 16, nullable: false),
                StartedAt = table.Column<DateTime>(nullable: true),
                EndedAt = table.Column<DateTime>(nullable: true),
                CreatedAt = table.Column<DateTime>(nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_SterilizationBatches", x => x.Id));
        migrationBuilder.CreateIndex(name: "IX_SterilizationBatches_ManufacturerId_CycleId", table: "SterilizationBatches", columns: ["ManufacturerId", "CycleId"], unique: true);

        migrationBuilder.CreateTable(
            name: "ProductionSteps",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                Kind = table.Column<string>(maxLength: 32, nullable: false),
                OperatorId = table.Column<Guid>(nullable: false),
                OperatorName = table.Column<string>(maxLength: 256, nullable: false),
                StartedAt = table.Column<DateTime>(nullable: false),
                EndedAt = table.Column<DateTime>(nullable: false),
                Equipment = table.Column<string>(maxLength: 500, nullable: false),
                MachineId = table.Column<Guid>(nullable: true),
                MaterialLotId = table.Column<Guid>(nullable: true),
                SterilizationBatchId = table.Column<Guid>(nullable: true),
                Parameters = table.Column<string>(maxLength: 8000, nullable: false),
                Result = table.Column<string>(maxLength: 8, nullable: false),
                Notes = table.Column<string>(maxLength: 2000, nullable: true),
                RecordedAt = table.Column<DateTime>(nullable: false),
                QaSignedBy = table.Column<Guid>(nullable: true),
                QaSignedByName = table.Column<string>(maxLength: 256, nullable: true),
                QaSignedAt = table.Column<DateTime>(nullable: true),
                QaApproved = table.Column<bool>(nullable: true),
                QaNote = table.Column<string>(maxLength: 1000, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ProductionSteps", x => x.Id);
                table.ForeignKey("FK_ProductionSteps_Orders_OrderId", x => x.OrderId, "Orders", "Id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey("FK_ProductionSteps_ProductionMachines_MachineId", x => x.MachineId, "ProductionMachines", "Id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey("FK_ProductionSteps_MaterialLots_MaterialLotId", x => x.MaterialLotId, "MaterialLots", "Id", onDelete: ReferentialAction.Restrict);
                table.ForeignKey("FK_ProductionSteps_SterilizationBatches_SterilizationBatchId", x => x.SterilizationBatchId, "SterilizationBatches", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_ProductionSteps_OrderId_Kind_RecordedAt", table: "ProductionSteps", columns: ["OrderId", "Kind", "RecordedAt"]);
        migrationBuilder.CreateIndex(name: "IX_ProductionSteps_MaterialLotId_OrderId", table: "ProductionSteps", columns: ["MaterialLotId", "OrderId"]);
        migrationBuilder.CreateIndex(name: "IX_ProductionSteps_MachineId_OrderId", table: "ProductionSteps", columns: ["MachineId", "OrderId"]);
        migrationBuilder.CreateIndex(name: "IX_ProductionSteps_SterilizationBatchId_OrderId", table: "ProductionSteps", columns: ["SterilizationBatchId", "OrderId"]);

        migrationBuilder.CreateTable(
            name: "ProductionAttachments",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                StepId = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                FileName = table.Column<string>(maxLength: 255, nullable: false),
                ContentType = table.Column<string>(maxLength: 100, nullable: false),
                BlobKey = table.Column<string>(maxLength: 32, nullable: false),
                Length = table.Column<long>(nullable: false),
                Sha256 = table.Column<string>(maxLength: 64, nullable: false),
                UploadedBy = table.Column<Guid>(nullable: false),
                UploadedByName = table.Column<string>(maxLength: 256, nullable: false),
                UploadedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ProductionAttachments", x => x.Id);
                table.ForeignKey("FK_ProductionAttachments_ProductionSteps_StepId", x => x.StepId, "ProductionSteps", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_ProductionAttachments_StepId", table: "ProductionAttachments", column: "StepId");
        migrationBuilder.CreateIndex(name: "IX_ProductionAttachments_OrderId", table: "ProductionAttachments", column: "OrderId");

        migrationBuilder.CreateTable(
            name: "DeviceIdentifiers",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                Gtin = table.Column<string>(maxLength: 14, nullable: false),
                SerialNumber = table.Column<string>(maxLength: 20, nullable: false),
                LotNumber = table.Column<string>(maxLength: 20, nullable: false),
                ManufacturedOn = table.Column<DateOnly>(nullable: false),
                ExpiresOn = table.Column<DateOnly>(nullable: false),
                ElementString = table.Column<string>(maxLength: 100, nullable: false),
                ReleasedBy = table.Column<Guid>(nullable: false),
                ReleasedByName = table.Column<string>(maxLength: 256, nullable: false),
                ReleasedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DeviceIdentifiers", x => x.Id);
                table.ForeignKey("FK_DeviceIdentifiers_Orders_OrderId", x => x.OrderId, "Orders", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_DeviceIdentifiers_OrderId", table: "DeviceIdentifiers", column: "OrderId", unique: true);
        migrationBuilder.CreateIndex(name: "IX_DeviceIdentifiers_Gtin_SerialNumber", table: "DeviceIdentifiers", columns: ["Gtin", "SerialNumber"], unique: true);
        migrationBuilder.CreateIndex(name: "IX_DeviceIdentifiers_SerialNumber", table: "DeviceIdentifiers", column: "SerialNumber");

        migrationBuilder.CreateTable(
            name: "Shipments",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                Carrier = table.Column<string>(maxLength: 100, nullable: false),
                TrackingNumber = table.Column<string>(maxLength: 100, nullable: false),
                SentAt = table.Column<DateTime>(nullable: false),
                SentBy = table.Column<Guid>(nullable: false),
                SentByName = table.Column<string>(maxLength: 256, nullable: false),
                ReceivedAt = table.Column<DateTime>(nullable: true),
                ReceivedBy = table.Column<Guid>(nullable: true),
                ReceivedByName = table.Column<string>(maxLength: 256, nullable: true),
                Condition = table.Column<string>(maxLength: 16, nullable: true),
                PackageIntact = table.Column<bool>(nullable: true),
                ReceiptNotes = table.Column<string>(maxLength: 2000, nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Shipments", x => x.Id);
                table.ForeignKey("FK_Shipments_Orders_OrderId", x => x.OrderId, "Orders", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_Shipments_OrderId", table: "Shipments", column: "OrderId", unique: true);

        migrationBuilder.CreateTable(
            name: "SurgicalUses",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                SurgeryDate = table.Column<DateOnly>(nullable: false),
                Surgeon = table.Column<string>(maxLength: 200, nullable: false),
                ScannedCode = table.Column<string>(maxLength: 200, nullable: false),
                Fit = table.Column<string>(maxLength: 16, nullable: false),
                FitNotes = table.Column<string>(maxLength: 2000, nullable: true),
                AdverseEvents = table.Column<string>(maxLength: 4000, nullable: true),
                RecordedBy = table.Column<Guid>(nullable: false),
                RecordedByName = table.Column<string>(maxLength: 256, nullable: false),
                RecordedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_SurgicalUses", x => x.Id);
                table.ForeignKey("FK_SurgicalUses_Orders_OrderId", x => x.OrderId, "Orders", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_SurgicalUses_OrderId", table: "SurgicalUses", column: "OrderId", unique: true);

        migrationBuilder.CreateTable(
            name: "FollowUps",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                InstitutionId = table.Column<Guid>(nullable: false),
                Month = table.Column<int>(nullable: false),
                DueOn = table.Column<DateOnly>(nullable: false),
                IsFinal = table.Column<bool>(nullable: false),
                PerformedOn = table.Column<DateOnly>(nullable: true),
                Outcome = table.Column<string>(maxLength: 2000, nullable: true),
                Imaging = table.Column<string>(maxLength: 1000, nullable: true),
                Complications = table.Column<string>(maxLength: 2000, nullable: true),
                Feedback = table.Column<string>(maxLength: 16, nullable: true),
                FeedbackNotes = table.Column<string>(maxLength: 2000, nullable: true),
                RecordedBy = table.Column<Guid>(nullable: true),
                RecordedByName = table.Column<string>(maxLength: 256, nullable: true),
                RecordedAt = table.Column<DateTime>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_FollowUps", x => x.Id);
                table.ForeignKey("FK_FollowUps_Orders_OrderId", x => x.OrderId, "Orders", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_FollowUps_OrderId_Month", table: "FollowUps", columns: ["OrderId", "Month"], unique: true);
        migrationBuilder.CreateIndex(name: "IX_FollowUps_InstitutionId_PerformedOn_DueOn", table: "FollowUps", columns: ["InstitutionId", "PerformedOn", "DueOn"]);

        migrationBuilder.CreateTable(
            name: "FollowUpClosures",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                Reason = table.Column<string>(maxLength: 1000, nullable: false),
                RecordedBy = table.Column<Guid>(nullable: false),
                RecordedByName = table.Column<string>(maxLength: 256, nullable: false),
                RecordedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_FollowUpClosures", x => x.Id);
                table.ForeignKey("FK_FollowUpClosures_Orders_OrderId", x => x.OrderId, "Orders", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_FollowUpClosures_OrderId", table: "FollowUpClosures", column: "OrderId", unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var table in new[]
        {
            "FollowUpClosures", "FollowUps", "SurgicalUses", "Shipments", "DeviceIdentifiers", "ProductionAttachments", "ProductionSteps",
            "SterilizationBatches", "ProductionMachines", "MaterialLots", "Materials",
        })
        {
            migrationBuilder.DropTable(name: table);
        }
    }
}
