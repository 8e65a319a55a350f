using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>Cases, orders (one per case, R-CASE-1), requirement revisions (R-CASE-2) and the flow history (R-CASE-5).</summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261122060000_CasesAndOrders")]
public sealed class CasesAndOrders : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "Cases",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                InstitutionId = table.Column<Guid>(nullable: false),
                Pseudonym = table.Column<string>(maxLength: 16, nullable: false),
                PatientName = table.Column<string>(maxLength: 400, nullable: false),
                PatientSex = table.Column<string>(maxLength: 16, nullable: true),
                PatientBirthDate = table.Column<string>(maxLength: 200, nullable: true),
                HospitalRecordNumber = table.Column<string>(maxLength: 300, nullable: true),
                PatientIdNumber = table.Column<string>(maxLength: 300, nullable: true),
                CreatedAt = table.Column<DateTime>(nullable: false),
                CreatedBy = table.Column<Guid>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_Cases", x => x.Id));
        migrationBuilder.CreateIndex(name: "IX_Cases_Pseudonym", table: "Cases", column: "Pseudonym", unique: true);
        migrationBuilder.CreateIndex(name: "IX_Cases_InstitutionId", table: "Cases", column: "InstitutionId");

        migrationBuilder.CreateTable(
            name: "Orders",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                CaseId = table.Column<Guid>(nullable: false),
                Number = table.Column<string>(maxLength: 32, nullable: false),
                State = table.Column<string>(maxLength: 32, nullable: false),
                HeldFrom = table.Column<string>(maxLength: 32, nullable: true),
                InstitutionId = table.Column<Guid>(nullable: false),
                DesignerId = table.Column<Guid>(nullable: true),
                ManufacturerId = table.Column<Guid>(nullable: true),
                RegistrantId = table.Column<Guid>(nullable: true),
                CurrentRevision = table.Column<int>(nullable: false),
                DeviceCategory = table.Column<string>(maxLength: 64, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                UpdatedAt = table.Column<DateTime>(nullable: false),
                Version = table.Column<int>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Orders", x => x.Id);
                table.ForeignKey("FK_Orders_Cases_CaseId", x => x.CaseId, "Cases", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_Orders_CaseId", table: "Orders", column: "CaseId", unique: true);
        migrationBuilder.CreateIndex(name: "IX_Orders_Number", table: "Orders", column: "Number", unique: true);
        migrationBuilder.CreateIndex(name: "IX_Orders_InstitutionId_CreatedAt", table: "Orders", columns: ["InstitutionId", "CreatedAt"]);
        migrationBuilder.CreateIndex(name: "IX_Orders_DesignerId_CreatedAt", table: "Orders", columns: ["DesignerId", "CreatedAt"]);
        migrationBuilder.CreateIndex(name: "IX_Orders_ManufacturerId_CreatedAt", table: "Orders", columns: ["ManufacturerId", "CreatedAt"]);
        migrationBuilder.CreateIndex(name: "IX_Orders_RegistrantId_CreatedAt", table: "Orders", columns: ["RegistrantId", "CreatedAt"]);
        migrationBuilder.CreateIndex(name: "IX_Orders_State_CreatedAt", table: "Orders", columns: ["State", "CreatedAt"]);

        migrationBuilder.CreateTable(
            name: "RequirementRevisions",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                Revision = table.Column<int>(nullable: false),
                DeviceCategory = table.Column<string>(maxLength: 64, nullable: false),
                AnatomicalSite = table.Column<string>(maxLength: 200, nullable: false),
                Indication = table.Column<string>(maxLength: 1000, nullable: false),
                ClinicalRequirement = table.Column<string>(maxLength: 8000, nullable: false),
                PlannedSurgeryDate = table.Column<DateTime>(nullable: true),
                Urgency = table.Column<string>(maxLength: 16, nullable: false),
                Reason = table.Column<string>(maxLength: 1000, nullable: true),
                CreatedAt = table.Column<DateTime>(nullable: false),
                CreatedBy = table.Column<Guid>(nullable: false),
                CreatedByName = table.Column<string>(maxLength: 256, nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_RequirementRevisions", x => x.Id);
                table.ForeignKey("FK_RequirementRevisions_Orders_OrderId", x => x.OrderId, "Orders", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_RequirementRevisions_OrderId_Revision", table: "RequirementRevisions", columns: ["OrderId", "Revision"], unique: true);

        migrationBuilder.CreateTable(
            name: "StateTransitions",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                From = table.Column<string>(maxLength: 32, nullable: true),
                To = table.Column<string>(maxLength: 32, nullable: false),
                Name = table.Column<string>(maxLength: 48, nullable: false),
                Reason = table.Column<string>(maxLength: 1000, nullable: true),
                ActorId = table.Column<Guid>(nullable: false),
                ActorName = table.Column<string>(maxLength: 256, nullable: false),
                ActorOrganization = table.Column<string>(maxLength: 200, nullable: false),
                OccurredAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_StateTransitions", x => x.Id);
                table.ForeignKey("FK_StateTransitions_Orders_OrderId", x => x.OrderId, "Orders", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_StateTransitions_OrderId_OccurredAt", table: "StateTransitions", columns: ["OrderId", "OccurredAt"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "StateTransitions");
        migrationBuilder.DropTable(name: "RequirementRevisions");
        migrationBuilder.DropTable(name: "Orders");
        migrationBuilder.DropTable(name: "Cases");
    }
}
