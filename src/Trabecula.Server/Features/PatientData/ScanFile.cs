using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Trabecula.Server.Data;

namespace Trabecula.Server.Features.PatientData;

/// <summary>
/// One file of an optical capture or model scan (R-DATA-1): a 3-D scan (STL, PLY, OBJ) or a photo
/// (JPEG, PNG), read completely on arrival. The mesh report or the photo's size is kept as JSON so
/// the order page needs no second read; the name the uploader gave is shown to the institution
/// only and encrypted (file names are where people type patients' names).
/// </summary>
public sealed class ScanFile
{
    public Guid Id { get; set; }

    public Guid DatasetId { get; set; }

    public Guid OrderId { get; set; }

    public ScanFormat Format { get; set; }

    [Encrypted]
    public string? OriginalName { get; set; }

    public string BlobKey { get; set; } = "";

    public long Length { get; set; }

    public string Sha256 { get; set; } = "";

    /// <summary>The mesh report (triangles, bounding box, volume, closed, ...) or the photo's width and height.</summary>
    public string Report { get; set; } = "{}";

    public DateTime ReceivedAt { get; set; }

    public Guid ReceivedBy { get; set; }

    /// <summary>The copy designers may have, made at confirmation: binary STL, or the photo without metadata.</summary>
    public string? DeidentifiedBlobKey { get; set; }

    public long? DeidentifiedLength { get; set; }

    public string? DeidentifiedSha256 { get; set; }
}

internal sealed class ScanFileConfiguration : IEntityTypeConfiguration<ScanFile>
{
    public void Configure(EntityTypeBuilder<ScanFile> builder)
    {
        builder.ToTable("ScanFiles");
        builder.HasKey(f => f.Id);
        builder.HasOne<PatientDataset>().WithMany().HasForeignKey(f => f.DatasetId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(f => new { f.DatasetId, f.Sha256 }).IsUnique();
        builder.HasIndex(f => f.OrderId);
        builder.Property(f => f.Format).HasConversion<string>().HasMaxLength(16);
        builder.Property(f => f.OriginalName).HasMaxLength(1000);
        builder.Property(f => f.BlobKey).HasMaxLength(64);
        builder.Property(f => f.Sha256).HasMaxLength(64);
        builder.Property(f => f.Report).HasMaxLength(4000);
        builder.Property(f => f.DeidentifiedBlobKey).HasMaxLength(64);
        builder.Property(f => f.DeidentifiedSha256).HasMaxLength(64);
    }
}
