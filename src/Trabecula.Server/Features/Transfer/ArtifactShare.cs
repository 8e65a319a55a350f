using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Trabecula.Server.Features.Permissions;

namespace Trabecula.Server.Features.Transfer;

/// <summary>
/// One artifact of an order shared by one person with one named person of another participating
/// organization until <see cref="ExpiresAt"/> (R-XFER-2 "share"). The row is the whole grant: the
/// recipient reaches that artifact and nothing else, only through the share, only while it is
/// neither expired nor revoked (checked against the clock on every request).
/// </summary>
public sealed class ArtifactShare
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    public ArtifactKind ArtifactKind { get; set; }

    public Guid ArtifactId { get; set; }

    /// <summary>The class at creation, kept so that the list and the audit name it without resolving the artifact.</summary>
    public DataClass DataClass { get; set; }

    /// <summary>What the sharer saw (file name or kind), for the lists.</summary>
    public string Label { get; set; } = "";

    public Guid OwnerId { get; set; }

    public string OwnerName { get; set; } = "";

    public Guid OwnerOrganizationId { get; set; }

    public Guid RecipientId { get; set; }

    public string RecipientName { get; set; } = "";

    public Guid RecipientOrganizationId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? RevokedAt { get; set; }

    public Guid? RevokedBy { get; set; }

    public bool IsValidAt(DateTime now) => RevokedAt is null && now < ExpiresAt;
}

internal sealed class ArtifactShareConfiguration : IEntityTypeConfiguration<ArtifactShare>
{
    public void Configure(EntityTypeBuilder<ArtifactShare> builder)
    {
        builder.ToTable("ArtifactShares");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.ArtifactKind).HasConversion<string>().HasMaxLength(40);
        builder.Property(s => s.DataClass).HasConversion<string>().HasMaxLength(40);
        builder.Property(s => s.Label).HasMaxLength(300);
        builder.Property(s => s.OwnerName).HasMaxLength(256);
        builder.Property(s => s.RecipientName).HasMaxLength(256);
        // "Shared with me" and "my shares on this order" are the two lists; each reads one index range.
        builder.HasIndex(s => new { s.RecipientId, s.ExpiresAt });
        builder.HasIndex(s => new { s.OrderId, s.OwnerOrganizationId });
    }
}
