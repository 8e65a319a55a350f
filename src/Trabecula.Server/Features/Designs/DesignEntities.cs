using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Trabecula.Server.Features.Orders;

namespace Trabecula.Server.Features.Designs;

/// <summary>What a design file is: an AM model the mesh checks ran on, or the design report.</summary>
public enum DesignFileKind
{
    Model,
    Report,
}

/// <summary>The meaning of an electronic signature (21 CFR 11.50(a)(3)): what the signer declares.</summary>
public enum SignatureMeaning
{
    /// <summary>"Approve for manufacture": the files named in the document may become the production package.</summary>
    ApproveForManufacture,

    /// <summary>"Reject": the design goes back to the designer; a reason is required.</summary>
    Reject,
}

/// <summary>Where a review request stands. Expiry is not stored: it is <see cref="DesignReviewRequest.ExpiresAt"/> against the clock.</summary>
public enum ReviewStatus
{
    Pending,
    Approved,
    Rejected,

    /// <summary>The designer submitted the version again after the request expired; the new request replaces this one.</summary>
    Replaced,
}

/// <summary>
/// A design version (设计方案, R-DES-1): numbered per order, the AM model(s), the design report and
/// the designer's notes. Versions are never edited: a change is a new version.
/// </summary>
public sealed class DesignVersion
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    /// <summary>1, 2, 3 ... per order (unique with the order).</summary>
    public int Number { get; set; }

    public string Notes { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public Guid CreatedBy { get; set; }

    public string CreatedByName { get; set; } = "";
}

/// <summary>One stored file of a version: its blob, hash and, for a model, the mesh report made on arrival.</summary>
public sealed class DesignFile
{
    public Guid Id { get; set; }

    public Guid VersionId { get; set; }

    public Guid OrderId { get; set; }

    public DesignFileKind Kind { get; set; }

    /// <summary>"stl", "amf", "3mf" or "pdf": how the content parsed, not what the name claimed.</summary>
    public string Format { get; set; } = "";

    /// <summary>The uploader's file name, cleaned (display only; storage keys are the server's).</summary>
    public string FileName { get; set; } = "";

    public string BlobKey { get; set; } = "";

    public long Length { get; set; }

    public string Sha256 { get; set; } = "";

    /// <summary>The Trabecula.Mesh report as JSON (the CLI's shape), for models.</summary>
    public string? MeshReport { get; set; }

    /// <summary>Closed, manifold and consistently oriented: printable as a solid.</summary>
    public bool Valid { get; set; }
}

/// <summary>A submission of a version to the institution: open until decided, expiring after the configured period.</summary>
public sealed class DesignReviewRequest
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    public Guid VersionId { get; set; }

    public DateTime SubmittedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public Guid SubmittedBy { get; set; }

    public string SubmittedByName { get; set; } = "";

    public ReviewStatus Status { get; set; }

    public DateTime? ClosedAt { get; set; }
}

/// <summary>
/// A signed record (21 CFR 11.50/11.70, Electronic Signature Law art. 13): the canonical document
/// exactly as signed, the ECDSA P-256 signature over it, and the fields shown wherever the approval
/// appears. <see cref="SupersededAt"/> is set when a change after approval replaces it; the row stays.
/// </summary>
public sealed class DesignSignature
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    public Guid VersionId { get; set; }

    /// <summary>Unique: one decision per review request, whatever races (AZ-04).</summary>
    public Guid ReviewRequestId { get; set; }

    public SignatureMeaning Meaning { get; set; }

    public string? Reason { get; set; }

    public Guid SignerId { get; set; }

    /// <summary>The signer's verified legal name (实名).</summary>
    public string SignerName { get; set; } = "";

    public string LicenceNumber { get; set; } = "";

    public string OrganizationName { get; set; } = "";

    public DateTime SignedAt { get; set; }

    /// <summary>SHA-256 over the confirmed patient data at signing (datasets and instance hashes).</summary>
    public string PatientDataFingerprint { get; set; } = "";

    /// <summary>The canonical JSON document, byte for byte what was signed (UTF-8).</summary>
    public string Document { get; set; } = "";

    /// <summary>Base64 of the DER-free IEEE P1363 signature (r ‖ s).</summary>
    public string Signature { get; set; } = "";

    public string KeyId { get; set; } = "";

    public DateTime? SupersededAt { get; set; }

    public Guid? SupersededByChangeId { get; set; }
}

/// <summary>The designer's verification and validation record for a change after approval (R-DES-2).</summary>
public sealed class DesignChangeRecord
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    /// <summary>The approval this change supersedes.</summary>
    public Guid SupersedesSignatureId { get; set; }

    public string WhatChanged { get; set; } = "";

    public string Why { get; set; } = "";

    public string Evidence { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public Guid CreatedBy { get; set; }

    public string CreatedByName { get; set; } = "";
}

/// <summary>
/// The production package (增材制造数据): the approved version's AM files, a manifest with their
/// hashes and the signature. Revoked when a change after approval supersedes its approval.
/// </summary>
public sealed class ProductionPackage
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    public Guid VersionId { get; set; }

    /// <summary>Unique: an approval is released at most once.</summary>
    public Guid SignatureId { get; set; }

    public string ManifestBlobKey { get; set; } = "";

    public long ManifestLength { get; set; }

    public string ManifestSha256 { get; set; } = "";

    public DateTime ReleasedAt { get; set; }

    public Guid ReleasedBy { get; set; }

    public string ReleasedByName { get; set; } = "";

    public DateTime? RevokedAt { get; set; }
}

/// <summary>A review comment pinned to a point on a version's model (model coordinates, millimetres).</summary>
public sealed class DesignPin
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    public Guid VersionId { get; set; }

    public double X { get; set; }

    public double Y { get; set; }

    public double Z { get; set; }

    public string Text { get; set; } = "";

    public Guid AuthorId { get; set; }

    public string AuthorName { get; set; } = "";

    public string AuthorOrganization { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}

internal sealed class DesignConfiguration :
    IEntityTypeConfiguration<DesignVersion>, IEntityTypeConfiguration<DesignFile>, IEntityTypeConfiguration<DesignReviewRequest>,
    IEntityTypeConfiguration<DesignSignature>, IEntityTypeConfiguration<DesignChangeRecord>, IEntityTypeConfiguration<ProductionPackage>,
    IEntityTypeConfiguration<DesignPin>
{
    public void Configure(EntityTypeBuilder<DesignVersion> builder)
    {
        builder.ToTable("DesignVersions");
        builder.HasKey(v => v.Id);
        builder.HasOne<Order>().WithMany().HasForeignKey(v => v.OrderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(v => new { v.OrderId, v.Number }).IsUnique();
        builder.Property(v => v.Notes).HasMaxLength(4000);
        builder.Property(v => v.CreatedByName).HasMaxLength(256);
    }

    public void Configure(EntityTypeBuilder<DesignFile> builder)
    {
        builder.ToTable("DesignFiles");
        builder.HasKey(f => f.Id);
        builder.HasOne<DesignVersion>().WithMany().HasForeignKey(f => f.VersionId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(f => f.VersionId);
        builder.HasIndex(f => f.OrderId);
        builder.Property(f => f.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(f => f.Format).HasMaxLength(8);
        builder.Property(f => f.FileName).HasMaxLength(200);
        builder.Property(f => f.BlobKey).HasMaxLength(64);
        builder.Property(f => f.Sha256).HasMaxLength(64);
    }

    public void Configure(EntityTypeBuilder<DesignReviewRequest> builder)
    {
        builder.ToTable("DesignReviewRequests");
        builder.HasKey(r => r.Id);
        builder.HasOne<DesignVersion>().WithMany().HasForeignKey(r => r.VersionId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(r => new { r.OrderId, r.SubmittedAt });
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.SubmittedByName).HasMaxLength(256);
    }

    public void Configure(EntityTypeBuilder<DesignSignature> builder)
    {
        builder.ToTable("DesignSignatures");
        builder.HasKey(s => s.Id);
        builder.HasOne<DesignReviewRequest>().WithMany().HasForeignKey(s => s.ReviewRequestId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(s => s.ReviewRequestId).IsUnique();
        builder.HasIndex(s => new { s.OrderId, s.SignedAt });
        builder.Property(s => s.Meaning).HasConversion<string>().HasMaxLength(32);
        builder.Property(s => s.Reason).HasMaxLength(1000);
        builder.Property(s => s.SignerName).HasMaxLength(256);
        builder.Property(s => s.LicenceNumber).HasMaxLength(64);
        builder.Property(s => s.OrganizationName).HasMaxLength(200);
        builder.Property(s => s.PatientDataFingerprint).HasMaxLength(64);
        builder.Property(s => s.Signature).HasMaxLength(200);
        builder.Property(s => s.KeyId).HasMaxLength(32);
    }

    public void Configure(EntityTypeBuilder<DesignChangeRecord> builder)
    {
        builder.ToTable("DesignChangeRecords");
        builder.HasKey(c => c.Id);
        builder.HasOne<Order>().WithMany().HasForeignKey(c => c.OrderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(c => new { c.OrderId, c.CreatedAt });
        builder.Property(c => c.WhatChanged).HasMaxLength(4000);
        builder.Property(c => c.Why).HasMaxLength(4000);
        builder.Property(c => c.Evidence).HasMaxLength(4000);
        builder.Property(c => c.CreatedByName).HasMaxLength(256);
    }

    public void Configure(EntityTypeBuilder<ProductionPackage> builder)
    {
        builder.ToTable("ProductionPackages");
        builder.HasKey(p => p.Id);
        builder.HasOne<DesignSignature>().WithMany().HasForeignKey(p => p.SignatureId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(p => p.SignatureId).IsUnique();
        builder.HasIndex(p => new { p.OrderId, p.ReleasedAt });
        builder.Property(p => p.ManifestBlobKey).HasMaxLength(64);
        builder.Property(p => p.ManifestSha256).HasMaxLength(64);
        builder.Property(p => p.ReleasedByName).HasMaxLength(256);
    }

    public void Configure(EntityTypeBuilder<DesignPin> builder)
    {
        builder.ToTable("DesignPins");
        builder.HasKey(p => p.Id);
        builder.HasOne<DesignVersion>().WithMany().HasForeignKey(p => p.VersionId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(p => new { p.OrderId, p.CreatedAt });
        builder.Property(p => p.Text).HasMaxLength(2000);
        builder.Property(p => p.AuthorName).HasMaxLength(256);
        builder.Property(p => p.AuthorOrganization).HasMaxLength(200);
    }
}
