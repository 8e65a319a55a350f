using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Trabecula.Server.Data.Migrations;

/// <summary>Design versions, review requests, signed approvals, change records, production packages and pinned comments (R-DES-1, R-DES-2).</summary>
[DbContext(typeof(TrabeculaDbContext))]
[Migration("20261201020000_Designs")]
public sealed class Designs : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "DesignVersions",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                Number = table.Column<int>(nullable: false),
                Notes = table.Column<string>(maxLength: 4000, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                CreatedBy = table.Column<Guid>(nullable: false),
                CreatedByName = table.Column<string>(maxLength: 256, nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DesignVersions", x => x.Id);
                table.ForeignKey("FK_DesignVersions_Orders_OrderId", x => x.OrderId, "Orders", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_DesignVersions_OrderId_Number", table: "DesignVersions", columns: ["OrderId", "Number"], unique: true);

        migrationBuilder.CreateTable(
            name: "DesignFiles",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                VersionId = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                Kind = table.Column<string>(maxLength: 16, nullable: false),
                Format = table.Column<string>(maxLength: 8, nullable: false),
                FileName = table.Column<string>(maxLength: 200, nullable: false),
                BlobKey = table.Column<string>(maxLength: 64, nullable: false),
                Length = table.Column<long>(nullable: false),
                Sha256 = table.Column<string>(maxLength: 64, nullable: false),
                MeshReport = table.Column<string>(nullable: true),
                Valid = table.Column<bool>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DesignFiles", x => x.Id);
                table.ForeignKey("FK_DesignFiles_DesignVersions_VersionId", x => x.VersionId, "DesignVersions", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_DesignFiles_VersionId", table: "DesignFiles", column: "VersionId");
        migrationBuilder.CreateIndex(name: "IX_DesignFiles_OrderId", table: "DesignFiles", column: "OrderId");

        migrationBuilder.CreateTable(
            name: "DesignReviewRequests",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                VersionId = table.Column<Guid>(nullable: false),
                SubmittedAt = table.Column<DateTime>(nullable: false),
                ExpiresAt = table.Column<DateTime>(nullable: false),
                SubmittedBy = table.Column<Guid>(nullable: false),
                SubmittedByName = table.Column<string>(maxLength: 256, nullable: false),
                Status = table.Column<string>(maxLength: 16, nullable: false),
                ClosedAt = table.Column<DateTime>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DesignReviewRequests", x => x.Id);
                table.ForeignKey("FK_DesignReviewRequests_DesignVersions_VersionId", x => x.VersionId, "DesignVersions", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_DesignReviewRequests_OrderId_SubmittedAt", table: "DesignReviewRequests", columns: ["OrderId", "SubmittedAt"]);
        migrationBuilder.CreateIndex(name: "IX_DesignReviewRequests_VersionId", table: "DesignReviewRequests", column: "VersionId");

        migrationBuilder.CreateTable(
            name: "DesignSignatures",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                VersionId = table.Column<Guid>(nullable: false),
                ReviewRequestId = table.Column<Guid>(nullable: false),
                Meaning = table.Column<string>(maxLength: 32, nullable: false),
                Reason = table.Column<string>(maxLength: 1000, nullable: true),
                SignerId = table.Column<Guid>(nullable: false),
                SignerName = table.Column<string>(maxLength: 256, nullable: false),
                LicenceNumber = table.Column<string>(maxLength: 64, nullable: false),
                OrganizationName = table.Column<string>(maxLength: 200, nullable: false),
                SignedAt = table.Column<DateTime>(nullable: false),
                PatientDataFingerprint = table.Column<string>(maxLength: 64, nullable: false),
                Document = table.Column<string>(nullable: false),
                Signature = table.Column<string>(maxLength: 200, nullable: false),
                KeyId = table.Column<string>(maxLength: 32, nullable: false),
                SupersededAt = table.Column<DateTime>(nullable: true),
                SupersededByChangeId = table.Column<Guid>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DesignSignatures", x => x.Id);
                table.ForeignKey("FK_DesignSignatures_DesignReviewRequests_ReviewRequestId", x => x.ReviewRequestId, "DesignReviewRequests", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_DesignSignatures_ReviewRequestId", table: "DesignSignatures", column: "ReviewRequestId", unique: true);
        migrationBuilder.CreateIndex(name: "IX_DesignSignatures_OrderId_SignedAt", table: "DesignSignatures", columns: ["OrderId", "SignedAt"]);

        migrationBuilder.CreateTable(
            name: "DesignChangeRecords",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                SupersedesSignatureId = table.Column<Guid>(nullable: false),
                WhatChanged = table.Column<string>(maxLength: 4000, nullable: false),
                Why = table.Column<string>(maxLength: 4000, nullable: false),
                Evidence = table.Column<string>(maxLength: 4000, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
                CreatedBy = table.Column<Guid>(nullable: false),
                CreatedByName = table.Column<string>(maxLength: 256, nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DesignChangeRecords", x => x.Id);
                table.ForeignKey("FK_DesignChangeRecords_Orders_OrderId", x => x.OrderId, "Orders", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_DesignChangeRecords_OrderId_CreatedAt", table: "DesignChangeRecords", columns: ["OrderId", "CreatedAt"]);

        migrationBuilder.CreateTable(
            name: "ProductionPackages",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                VersionId = table.Column<Guid>(nullable: false),
                SignatureId = table.Column<Guid>(nullable: false),
                ManifestBlobKey = table.Column<string>(maxLength: 64, nullable: false),
                ManifestLength = table.Column<long>(nullable: false),
                ManifestSha256 = table.Column<string>(maxLength: 64, nullable: false),
                ReleasedAt = table.Column<DateTime>(nullable: false),
                ReleasedBy = table.Column<Guid>(nullable: false),
                ReleasedByName = table.Column<string>(maxLength: 256, nullable: false),
                RevokedAt = table.Column<DateTime>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ProductionPackages", x => x.Id);
                table.ForeignKey("FK_ProductionPackages_DesignSignatures_SignatureId", x => x.SignatureId, "DesignSignatures", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_ProductionPackages_SignatureId", table: "ProductionPackages", column: "SignatureId", unique: true);
        migrationBuilder.CreateIndex(name: "IX_ProductionPackages_OrderId_ReleasedAt", table: "ProductionPackages", columns: ["OrderId", "ReleasedAt"]);

        migrationBuilder.CreateTable(
            name: "DesignPins",
            columns: table => new
            {
                Id = table.Column<Guid>(nullable: false),
                OrderId = table.Column<Guid>(nullable: false),
                VersionId = table.Column<Guid>(nullable: false),
                X = table.Column<double>(nullable: false),
                Y = table.Column<double>(nullable: false),
                Z = table.Column<double>(nullable: false),
                Text = table.Column<string>(maxLength: 2000, nullable: false),
                AuthorId = table.Column<Guid>(nullable: false),
                AuthorName = table.Column<string>(maxLength: 256, nullable: false),
                AuthorOrganization = table.Column<string>(maxLength: 200, nullable: false),
                CreatedAt = table.Column<DateTime>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DesignPins", x => x.Id);
                table.ForeignKey("FK_DesignPins_DesignVersions_VersionId", x => x.VersionId, "DesignVersions", "Id", onDelete: ReferentialAction.Restrict);
            });
        migrationBuilder.CreateIndex(name: "IX_DesignPins_OrderId_CreatedAt", table: "DesignPins", columns: ["OrderId", "CreatedAt"]);
        migrationBuilder.CreateIndex(name: "IX_DesignPins_VersionId", table: "DesignPins", column: "VersionId");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "DesignPins");
        migrationBuilder.DropTable(name: "ProductionPackages");
        migrationBuilder.DropTable(name: "DesignChangeRecords");
        migrationBuilder.DropTable(name: "DesignSignatures");
        migrationBuilder.DropTable(name: "DesignReviewRequests");
        migrationBuilder.DropTable(name: "DesignFiles");
        migrationBuilder.DropTable(name: "DesignVersions");
    }
}
