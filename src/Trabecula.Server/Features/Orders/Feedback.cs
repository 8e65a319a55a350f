using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Trabecula.Server.Features.Orders;

/// <summary>
/// A comment on an order or on one of its artifacts (R-CASE-4, T/CAMDI 028 5.1.4). Plain text:
/// it is stored as typed and always rendered HTML-encoded, so no markup ever runs (INJ-02).
/// </summary>
public sealed class OrderComment
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    /// <summary>"order", "requirements", later "design", "dataset", ...</summary>
    public string ArtifactType { get; set; } = "order";

    public string? ArtifactId { get; set; }

    /// <summary>The comment this one answers (threads).</summary>
    public Guid? ParentId { get; set; }

    public string Body { get; set; } = "";

    /// <summary>User names of participants mentioned with @name, space-separated.</summary>
    public string Mentions { get; set; } = "";

    public Guid AuthorId { get; set; }

    public string AuthorName { get; set; } = "";

    public string AuthorOrganization { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}

/// <summary>"I confirm revision 3 of the requirements": an explicit act bound to one version of one artifact (R-CASE-4).</summary>
public sealed class OrderConfirmation
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    public string ArtifactType { get; set; } = "";

    public int ArtifactVersion { get; set; }

    public string Statement { get; set; } = "";

    public Guid ActorId { get; set; }

    public string ActorName { get; set; } = "";

    public string ActorOrganization { get; set; } = "";

    public DateTime CreatedAt { get; set; }
}

internal sealed class FeedbackConfiguration : IEntityTypeConfiguration<OrderComment>, IEntityTypeConfiguration<OrderConfirmation>
{
    public void Configure(EntityTypeBuilder<OrderComment> builder)
    {
        builder.ToTable("OrderComments");
        builder.HasKey(c => c.Id);
        builder.HasOne<Order>().WithMany().HasForeignKey(c => c.OrderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(c => new { c.OrderId, c.CreatedAt });
        builder.Property(c => c.ArtifactType).HasMaxLength(32);
        builder.Property(c => c.ArtifactId).HasMaxLength(64);
        builder.Property(c => c.Body).HasMaxLength(4000);
        builder.Property(c => c.Mentions).HasMaxLength(1000);
        builder.Property(c => c.AuthorName).HasMaxLength(256);
        builder.Property(c => c.AuthorOrganization).HasMaxLength(200);
    }

    public void Configure(EntityTypeBuilder<OrderConfirmation> builder)
    {
        builder.ToTable("OrderConfirmations");
        builder.HasKey(c => c.Id);
        builder.HasOne<Order>().WithMany().HasForeignKey(c => c.OrderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(c => new { c.OrderId, c.ArtifactType, c.ArtifactVersion, c.ActorId }).IsUnique();
        builder.Property(c => c.ArtifactType).HasMaxLength(32);
        builder.Property(c => c.Statement).HasMaxLength(500);
        builder.Property(c => c.ActorName).HasMaxLength(256);
        builder.Property(c => c.ActorOrganization).HasMaxLength(200);
    }
}
