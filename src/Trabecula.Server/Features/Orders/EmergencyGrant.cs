using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Trabecula.Server.Features.Orders;

/// <summary>How an auditor judged an emergency access after the fact.</summary>
public enum EmergencyVerdict
{
    Justified,
    Misuse,
}

/// <summary>
/// Break-glass access (紧急访问, R-AUTH-6): one person, one order, a written reason, a second
/// factor, a fixed window. Every access during it is marked with <see cref="Id"/>; when the window
/// closes (on its own or ended early) the grant becomes a review item an auditor must close.
/// </summary>
public sealed class EmergencyGrant
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    public Guid UserId { get; set; }

    public string UserName { get; set; } = "";

    public Guid OrganizationId { get; set; }

    public string Reason { get; set; } = "";

    public DateTime OpenedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    /// <summary>Set when the window closed: at <see cref="ExpiresAt"/>, or earlier when the holder ended it.</summary>
    public DateTime? EndedAt { get; set; }

    public bool EndedEarly { get; set; }

    public DateTime? ReviewedAt { get; set; }

    public Guid? ReviewedBy { get; set; }

    public string? ReviewerName { get; set; }

    public EmergencyVerdict? Verdict { get; set; }

    public string? ReviewNote { get; set; }

    /// <summary>Active at <paramref name="now"/>: opened, not ended, not past its window.</summary>
    public bool IsActiveAt(DateTime now) => EndedAt is null && ExpiresAt > now;
}

internal sealed class EmergencyGrantConfiguration : IEntityTypeConfiguration<EmergencyGrant>
{
    public void Configure(EntityTypeBuilder<EmergencyGrant> builder)
    {
        builder.ToTable("EmergencyGrants");
        builder.HasKey(g => g.Id);
        builder.HasOne<Order>().WithMany().HasForeignKey(g => g.OrderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(g => new { g.UserId, g.OrderId, g.ExpiresAt });
        builder.HasIndex(g => new { g.ReviewedAt, g.EndedAt });
        builder.Property(g => g.UserName).HasMaxLength(256);
        builder.Property(g => g.Reason).HasMaxLength(1000);
        builder.Property(g => g.ReviewerName).HasMaxLength(256);
        builder.Property(g => g.ReviewNote).HasMaxLength(2000);
        builder.Property(g => g.Verdict).HasConversion<string>().HasMaxLength(16);
    }
}
