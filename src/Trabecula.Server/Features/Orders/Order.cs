using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Trabecula.Server.Data;

namespace Trabecula.Server.Features.Orders;

/// <summary>
/// A case (病例): the patient, whose identity is encrypted and seen only by the institution;
/// every other party sees <see cref="Pseudonym"/>. One case has exactly one order (R-CASE-1).
/// </summary>
public sealed class PatientCase
{
    public Guid Id { get; set; }

    public Guid InstitutionId { get; set; }

    /// <summary>Stable per case, e.g. "P-7F3A9C": what designers and manufacturers see.</summary>
    public string Pseudonym { get; set; } = "";

    [Encrypted]
    public string PatientName { get; set; } = "";

    public string? PatientSex { get; set; }

    [Encrypted]
    public string? PatientBirthDate { get; set; }

    [Encrypted]
    public string? HospitalRecordNumber { get; set; }

    [Encrypted]
    public string? PatientIdNumber { get; set; }

    public DateTime CreatedAt { get; set; }

    public Guid CreatedBy { get; set; }
}

/// <summary>The order (订单) of a case: its participants, lifecycle state and requirement revisions.</summary>
public sealed class Order
{
    public Guid Id { get; set; }

    /// <summary>Unique: one order per case, enforced by the database (R-CASE-1, T/CAMDI 028 5.1.1).</summary>
    public Guid CaseId { get; set; }

    public PatientCase? Case { get; set; }

    /// <summary>"TB-2026-000123", unique on the platform.</summary>
    public string Number { get; set; } = "";

    public OrderState State { get; set; }

    /// <summary>For an order on hold: the state it resumes to.</summary>
    public OrderState? HeldFrom { get; set; }

    public Guid InstitutionId { get; set; }

    public Guid? DesignerId { get; set; }

    public Guid? ManufacturerId { get; set; }

    public Guid? RegistrantId { get; set; }

    public int CurrentRevision { get; set; }

    public string DeviceCategory { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>Optimistic concurrency: every change increments it; a stale writer gets 409.</summary>
    public int Version { get; set; }
}

/// <summary>One revision of the institution's requirements (R-CASE-2): old revisions are kept with who, when and why.</summary>
public sealed class RequirementRevision
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    public int Revision { get; set; }

    public string DeviceCategory { get; set; } = "";

    public string AnatomicalSite { get; set; } = "";

    public string Indication { get; set; } = "";

    public string ClinicalRequirement { get; set; } = "";

    public DateTime? PlannedSurgeryDate { get; set; }

    public string Urgency { get; set; } = "Routine";

    public string? Reason { get; set; }

    public DateTime CreatedAt { get; set; }

    public Guid CreatedBy { get; set; }

    public string CreatedByName { get; set; } = "";
}

/// <summary>One step of the order's flow history (流转历史).</summary>
public sealed class StateTransition
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    public OrderState? From { get; set; }

    public OrderState To { get; set; }

    public string Name { get; set; } = "";

    public string? Reason { get; set; }

    public Guid ActorId { get; set; }

    public string ActorName { get; set; } = "";

    public string ActorOrganization { get; set; } = "";

    public DateTime OccurredAt { get; set; }
}

internal sealed class OrderConfiguration :
    IEntityTypeConfiguration<PatientCase>, IEntityTypeConfiguration<Order>, IEntityTypeConfiguration<RequirementRevision>, IEntityTypeConfiguration<StateTransition>
{
    public void Configure(EntityTypeBuilder<PatientCase> builder)
    {
        builder.ToTable("Cases");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Pseudonym).HasMaxLength(16).IsRequired();
        builder.HasIndex(c => c.Pseudonym).IsUnique();
        builder.Property(c => c.PatientName).HasMaxLength(400).IsRequired();
        builder.Property(c => c.PatientSex).HasMaxLength(16);
        builder.Property(c => c.PatientBirthDate).HasMaxLength(200);
        builder.Property(c => c.HospitalRecordNumber).HasMaxLength(300);
        builder.Property(c => c.PatientIdNumber).HasMaxLength(300);
        builder.HasIndex(c => c.InstitutionId);
    }

    public void Configure(EntityTypeBuilder<Order> builder)
    {
        builder.ToTable("Orders");
        builder.HasKey(o => o.Id);
        builder.HasOne(o => o.Case).WithOne().HasForeignKey<Order>(o => o.CaseId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(o => o.CaseId).IsUnique();
        builder.Property(o => o.Number).HasMaxLength(32).IsRequired();
        builder.HasIndex(o => o.Number).IsUnique();
        builder.Property(o => o.State).HasConversion<string>().HasMaxLength(32);
        builder.Property(o => o.HeldFrom).HasConversion<string>().HasMaxLength(32);
        builder.Property(o => o.DeviceCategory).HasMaxLength(64);
        builder.Property(o => o.Version).IsConcurrencyToken();
        builder.HasIndex(o => new { o.InstitutionId, o.CreatedAt });
        builder.HasIndex(o => new { o.DesignerId, o.CreatedAt });
        builder.HasIndex(o => new { o.ManufacturerId, o.CreatedAt });
        builder.HasIndex(o => new { o.RegistrantId, o.CreatedAt });
        builder.HasIndex(o => new { o.State, o.CreatedAt });
    }

    public void Configure(EntityTypeBuilder<RequirementRevision> builder)
    {
        builder.ToTable("RequirementRevisions");
        builder.HasKey(r => r.Id);
        builder.HasIndex(r => new { r.OrderId, r.Revision }).IsUnique();
        builder.HasOne<Order>().WithMany().HasForeignKey(r => r.OrderId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(r => r.DeviceCategory).HasMaxLength(64);
        builder.Property(r => r.AnatomicalSite).HasMaxLength(200);
        builder.Property(r => r.Indication).HasMaxLength(1000);
        builder.Property(r => r.ClinicalRequirement).HasMaxLength(8000);
        builder.Property(r => r.Urgency).HasMaxLength(16);
        builder.Property(r => r.Reason).HasMaxLength(1000);
        builder.Property(r => r.CreatedByName).HasMaxLength(256);
    }

    public void Configure(EntityTypeBuilder<StateTransition> builder)
    {
        builder.ToTable("StateTransitions");
        builder.HasKey(t => t.Id);
        builder.HasIndex(t => new { t.OrderId, t.OccurredAt });
        builder.HasOne<Order>().WithMany().HasForeignKey(t => t.OrderId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(t => t.From).HasConversion<string>().HasMaxLength(32);
        builder.Property(t => t.To).HasConversion<string>().HasMaxLength(32);
        builder.Property(t => t.Name).HasMaxLength(48);
        builder.Property(t => t.Reason).HasMaxLength(1000);
        builder.Property(t => t.ActorName).HasMaxLength(256);
        builder.Property(t => t.ActorOrganization).HasMaxLength(200);
    }
}
