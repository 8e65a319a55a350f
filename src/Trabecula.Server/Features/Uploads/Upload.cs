using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Trabecula.Server.Data;

namespace Trabecula.Server.Features.Uploads;

/// <summary>
/// A tus 1.0 resumable upload (table Uploads). Bytes received so far sit encrypted in the spool
/// (<see cref="UploadSpool"/>); once the last byte is in they become a blob, which a feature
/// then consumes (e.g. PatientData ingests it into a dataset) exactly once.
/// </summary>
public sealed class Upload
{
    public Guid Id { get; set; }

    public Guid OwnerId { get; set; }

    public long Length { get; set; }

    public long Offset { get; set; }

    /// <summary>The client's Upload-Metadata header as sent (it may hold a file name with a patient's name).</summary>
    [Encrypted]
    public string? Metadata { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public string? BlobKey { get; set; }

    public string? Sha256 { get; set; }

    public DateTime? CompletedAt { get; set; }

    public DateTime? ConsumedAt { get; set; }

    /// <summary>What consumed it, e.g. "dicom-instance:&lt;id&gt;" or "archive".</summary>
    public string? ConsumedBy { get; set; }
}

internal sealed class UploadConfiguration : IEntityTypeConfiguration<Upload>
{
    public void Configure(EntityTypeBuilder<Upload> builder)
    {
        builder.ToTable("Uploads");
        builder.HasKey(u => u.Id);
        builder.Property(u => u.Metadata).HasMaxLength(8192);
        builder.Property(u => u.BlobKey).HasMaxLength(32);
        builder.Property(u => u.Sha256).HasMaxLength(64);
        builder.Property(u => u.ConsumedBy).HasMaxLength(128);
        builder.HasIndex(u => u.OwnerId);
        builder.HasIndex(u => u.ExpiresAt);
    }
}
