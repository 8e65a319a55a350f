using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Trabecula.Server.Data;

namespace Trabecula.Server.Features.Uploads;

/// <summary>
/// A tus 1.0 resumable upload (table Uploads). The bytes received so far are already the blob
/// being made: 64 KiB chunks sealed in the blob format into the part file
/// (<see cref="UploadSpool"/>) under this row's data key, plus the unfinished last chunk sealed in
/// <see cref="Tail"/>. The last byte makes the part a blob, which a feature then consumes (e.g.
/// PatientData ingests it into a dataset) exactly once. See <see cref="SealedUploads"/>.
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

    /// <summary>Set once complete: the blob the part became (the same key as <see cref="PartKey"/>).</summary>
    public string? BlobKey { get; set; }

    /// <summary>
    /// Bumped whenever the upload gets a fresh data key (<see cref="SealedUploads.StartGenerationAsync"/>);
    /// a concurrency token, so that a process sealing under a stale key cannot commit.
    /// </summary>
    public int KeyGeneration { get; set; }

    /// <summary>The blob key (and blob id in the header) of the current generation's part file.</summary>
    public string? PartKey { get; set; }

    /// <summary>The current generation's data key, wrapped by <see cref="KekId"/> with <see cref="PartKey"/> bound in.</summary>
    public byte[]? WrappedKey { get; set; }

    public Guid? KekId { get; set; }

    /// <summary>The bytes past the last whole chunk (Offset mod 64 KiB of them), AES-256-GCM under a key derived from the data key.</summary>
    public byte[]? Tail { get; set; }

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
        builder.Property(u => u.KeyGeneration).IsConcurrencyToken();
        builder.Property(u => u.PartKey).HasMaxLength(32);
        builder.Property(u => u.WrappedKey).HasMaxLength(128);
        builder.Property(u => u.Tail).HasMaxLength(UploadSession.MaxSealedTail);
        builder.Property(u => u.ConsumedBy).HasMaxLength(128);
        builder.HasIndex(u => u.OwnerId);
        builder.HasIndex(u => u.ExpiresAt);
    }
}
