using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Trabecula.Server.Infrastructure.Storage;

public enum BlobCompression
{
    None,
    Deflate,
}

/// <summary>
/// One stored blob (table Blobs): what a read needs (the wrapped data key, its key-encryption key,
/// length, SHA-256, compression, where it is) and what policies need (R-SEC-3 class, owner order).
/// The row is written after the file is durable: a row always has its file; a file without a row
/// is an orphan the sweeper removes.
/// </summary>
public sealed class BlobRecord
{
    public string Key { get; set; } = "";

    /// <summary>The data key, AES-256-GCM-wrapped by <see cref="KekId"/> with the blob key bound in.</summary>
    public byte[] WrappedKey { get; set; } = [];

    public Guid KekId { get; set; }

    public long Length { get; set; }

    public long StoredLength { get; set; }

    public string Sha256 { get; set; } = "";

    public BlobCompression Compression { get; set; }

    public BlobSensitivity Sensitivity { get; set; }

    public string? Category { get; set; }

    public Guid? OrderId { get; set; }

    public string Target { get; set; } = "";

    public string Region { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}

internal sealed class BlobRecordConfiguration : IEntityTypeConfiguration<BlobRecord>
{
    public void Configure(EntityTypeBuilder<BlobRecord> builder)
    {
        builder.ToTable("Blobs");
        builder.HasKey(b => b.Key);
        builder.Property(b => b.Key).HasMaxLength(32);
        builder.Property(b => b.WrappedKey).HasMaxLength(128);
        builder.Property(b => b.Sha256).HasMaxLength(64);
        builder.Property(b => b.Compression).HasConversion<string>().HasMaxLength(16);
        builder.Property(b => b.Sensitivity).HasConversion<string>().HasMaxLength(32);
        builder.Property(b => b.Category).HasMaxLength(64);
        builder.Property(b => b.Target).HasMaxLength(16);
        builder.Property(b => b.Region).HasMaxLength(64);
        builder.HasIndex(b => b.KekId);
        builder.HasIndex(b => b.OrderId);
    }
}
