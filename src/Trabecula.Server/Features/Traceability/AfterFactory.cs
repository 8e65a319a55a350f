using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Trabecula.Server.Features.Orders;

namespace Trabecula.Server.Features.Traceability;

public enum ArrivalCondition
{
    Good,
    Damaged,
}

public enum IntraoperativeFit
{
    Fits,
    Adjusted,
    NotUsed,
}

/// <summary>Structured feedback to the designer and registrant, so that a corrective action can point to it.</summary>
public enum FeedbackKind
{
    None,
    DesignIssue,
    FitIssue,
}

/// <summary>The shipment of a released device and its receipt at the institution (R-TRACE-2). One per order.</summary>
public sealed class Shipment
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    public string Carrier { get; set; } = "";

    public string TrackingNumber { get; set; } = "";

    public DateTime SentAt { get; set; }

    public Guid SentBy { get; set; }

    public string SentByName { get; set; } = "";

    public DateTime? ReceivedAt { get; set; }

    public Guid? ReceivedBy { get; set; }

    public string? ReceivedByName { get; set; }

    public ArrivalCondition? Condition { get; set; }

    public bool? PackageIntact { get; set; }

    public string? ReceiptNotes { get; set; }
}

/// <summary>The device's use in surgery (R-TRACE-2), after its identifier was checked against the order.</summary>
public sealed class SurgicalUse
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    public DateOnly SurgeryDate { get; set; }

    public string Surgeon { get; set; } = "";

    /// <summary>What was scanned or typed, as given.</summary>
    public string ScannedCode { get; set; } = "";

    public IntraoperativeFit Fit { get; set; }

    public string? FitNotes { get; set; }

    public string? AdverseEvents { get; set; }

    public Guid RecordedBy { get; set; }

    public string RecordedByName { get; set; } = "";

    public DateTime RecordedAt { get; set; }
}

/// <summary>One scheduled post-operative follow-up and, once done, its outcome.</summary>
public sealed class FollowUp
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    /// <summary>The institution that owns the order: the dashboard's overdue list reads by it.</summary>
    public Guid InstitutionId { get; set; }

    /// <summary>Months after surgery.</summary>
    public int Month { get; set; }

    public DateOnly DueOn { get; set; }

    public bool IsFinal { get; set; }

    public DateOnly? PerformedOn { get; set; }

    public string? Outcome { get; set; }

    public string? Imaging { get; set; }

    public string? Complications { get; set; }

    public FeedbackKind? Feedback { get; set; }

    public string? FeedbackNotes { get; set; }

    public Guid? RecordedBy { get; set; }

    public string? RecordedByName { get; set; }

    public DateTime? RecordedAt { get; set; }
}

/// <summary>Why an order closes without its final follow-up (patient lost to follow-up, deceased, device explanted, ...).</summary>
public sealed class FollowUpClosure
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    public string Reason { get; set; } = "";

    public Guid RecordedBy { get; set; }

    public string RecordedByName { get; set; } = "";

    public DateTime RecordedAt { get; set; }
}

internal sealed class AfterFactoryConfiguration :
    IEntityTypeConfiguration<Shipment>, IEntityTypeConfiguration<SurgicalUse>, IEntityTypeConfiguration<FollowUp>, IEntityTypeConfiguration<FollowUpClosure>
{
    public void Configure(EntityTypeBuilder<Shipment> builder)
    {
        builder.ToTable("Shipments");
        builder.HasKey(s => s.Id);
        builder.HasOne<Order>().WithMany().HasForeignKey(s => s.OrderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(s => s.OrderId).IsUnique();
        builder.Property(s => s.Carrier).HasMaxLength(100);
        builder.Property(s => s.TrackingNumber).HasMaxLength(100);
        builder.Property(s => s.SentByName).HasMaxLength(256);
        builder.Property(s => s.ReceivedByName).HasMaxLength(256);
        builder.Property(s => s.Condition).HasConversion<string>().HasMaxLength(16);
        builder.Property(s => s.ReceiptNotes).HasMaxLength(2000);
    }

    public void Configure(EntityTypeBuilder<SurgicalUse> builder)
    {
        builder.ToTable("SurgicalUses");
        builder.HasKey(u => u.Id);
        builder.HasOne<Order>().WithMany().HasForeignKey(u => u.OrderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(u => u.OrderId).IsUnique();
        builder.Property(u => u.Surgeon).HasMaxLength(200);
        builder.Property(u => u.ScannedCode).HasMaxLength(200);
        builder.Property(u => u.Fit).HasConversion<string>().HasMaxLength(16);
        builder.Property(u => u.FitNotes).HasMaxLength(2000);
        builder.Property(u => u.AdverseEvents).HasMaxLength(4000);
        builder.Property(u => u.RecordedByName).HasMaxLength(256);
    }

    public void Configure(EntityTypeBuilder<FollowUp> builder)
    {
        builder.ToTable("FollowUps");
        builder.HasKey(f => f.Id);
        builder.HasOne<Order>().WithMany().HasForeignKey(f => f.OrderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(f => new { f.OrderId, f.Month }).IsUnique();
        builder.HasIndex(f => new { f.InstitutionId, f.PerformedOn, f.DueOn });
        builder.Property(f => f.Outcome).HasMaxLength(2000);
        builder.Property(f => f.Imaging).HasMaxLength(1000);
        builder.Property(f => f.Complications).HasMaxLength(2000);
        builder.Property(f => f.Feedback).HasConversion<string>().HasMaxLength(16);
        builder.Property(f => f.FeedbackNotes).HasMaxLength(2000);
        builder.Property(f => f.RecordedByName).HasMaxLength(256);
    }

    public void Configure(EntityTypeBuilder<FollowUpClosure> builder)
    {
        builder.ToTable("FollowUpClosures");
        builder.HasKey(c => c.Id);
        builder.HasOne<Order>().WithMany().HasForeignKey(c => c.OrderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(c => c.OrderId).IsUnique();
        builder.Property(c => c.Reason).HasMaxLength(1000);
        builder.Property(c => c.RecordedByName).HasMaxLength(256);
    }
}
