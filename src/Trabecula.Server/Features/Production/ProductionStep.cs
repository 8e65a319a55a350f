using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Trabecula.Server.Features.Orders;

namespace Trabecula.Server.Features.Production;

public enum StepResult
{
    Pass,
    Fail,
}

/// <summary>
/// One recorded production step of an order (R-TRACE-1). Records are never edited: a step done
/// again after a failure is a new record, and the latest record of a kind is the one that counts.
/// Only the QA sign-off is added to a record afterwards, once.
/// </summary>
public sealed class ProductionStep
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    public ProductionStepKind Kind { get; set; }

    public Guid OperatorId { get; set; }

    public string OperatorName { get; set; } = "";

    public DateTime StartedAt { get; set; }

    public DateTime EndedAt { get; set; }

    /// <summary>Equipment used besides the machine (furnace, ultrasonic bath, CMM, ...).</summary>
    public string Equipment { get; set; } = "";

    public Guid? MachineId { get; set; }

    public Guid? MaterialLotId { get; set; }

    public Guid? SterilizationBatchId { get; set; }

    /// <summary>Named parameters as a JSON object of strings (build job id, layer thickness, laser power, ...).</summary>
    public string Parameters { get; set; } = "{}";

    public StepResult Result { get; set; }

    public string? Notes { get; set; }

    public DateTime RecordedAt { get; set; }

    public Guid? QaSignedBy { get; set; }

    public string? QaSignedByName { get; set; }

    public DateTime? QaSignedAt { get; set; }

    public bool? QaApproved { get; set; }

    public string? QaNote { get; set; }
}

/// <summary>A file attached to a step (build log, CMM report, indicator photo), stored through IBlobStore.</summary>
public sealed class ProductionAttachment
{
    public Guid Id { get; set; }

    public Guid StepId { get; set; }

    public Guid OrderId { get; set; }

    /// <summary>Shown to people only; the blob key is the server's.</summary>
    public string FileName { get; set; } = "";

    public string ContentType { get; set; } = "";

    public string BlobKey { get; set; } = "";

    public long Length { get; set; }

    public string Sha256 { get; set; } = "";

    public Guid UploadedBy { get; set; }

    public string UploadedByName { get; set; } = "";

    public DateTime UploadedAt { get; set; }
}

/// <summary>The device's unique identifier, assigned at QC release: UDI-DI + production identifier (R-TRACE-1).</summary>
public sealed class DeviceIdentifier
{
    public Guid Id { get; set; }

    /// <summary>One device per order (one case, one custom device).</summary>
    public Guid OrderId { get; set; }

    public string Gtin { get; set; } = "";

    public string SerialNumber { get; set; } = "";

    public string LotNumber { get; set; } = "";

    public DateOnly ManufacturedOn { get; set; }

    public DateOnly ExpiresOn { get; set; }

    /// <summary>"(01)...(11)...(17)...(10)...(21)...": what the label prints under the code.</summary>
    public string ElementString { get; set; } = "";

    public Guid ReleasedBy { get; set; }

    public string ReleasedByName { get; set; } = "";

    public DateTime ReleasedAt { get; set; }

    public UdiParts Parts() => new(Gtin, ManufacturedOn, ExpiresOn, LotNumber, SerialNumber);
}

internal sealed class ProductionStepConfiguration :
    IEntityTypeConfiguration<ProductionStep>, IEntityTypeConfiguration<ProductionAttachment>, IEntityTypeConfiguration<DeviceIdentifier>
{
    public void Configure(EntityTypeBuilder<ProductionStep> builder)
    {
        builder.ToTable("ProductionSteps");
        builder.HasKey(s => s.Id);
        builder.HasOne<Order>().WithMany().HasForeignKey(s => s.OrderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<ProductionMachine>().WithMany().HasForeignKey(s => s.MachineId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<MaterialLot>().WithMany().HasForeignKey(s => s.MaterialLotId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<SterilizationBatch>().WithMany().HasForeignKey(s => s.SterilizationBatchId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(s => s.Kind).HasConversion<string>().HasMaxLength(32);
        builder.Property(s => s.Result).HasConversion<string>().HasMaxLength(8);
        builder.Property(s => s.OperatorName).HasMaxLength(256);
        builder.Property(s => s.Equipment).HasMaxLength(500);
        builder.Property(s => s.Parameters).HasMaxLength(8000);
        builder.Property(s => s.Notes).HasMaxLength(2000);
        builder.Property(s => s.QaSignedByName).HasMaxLength(256);
        builder.Property(s => s.QaNote).HasMaxLength(1000);
        builder.HasIndex(s => new { s.OrderId, s.Kind, s.RecordedAt });

        // The recall queries: lot / machine / batch → steps → orders, by index, never by scan.
        builder.HasIndex(s => new { s.MaterialLotId, s.OrderId });
        builder.HasIndex(s => new { s.MachineId, s.OrderId });
        builder.HasIndex(s => new { s.SterilizationBatchId, s.OrderId });
    }

    public void Configure(EntityTypeBuilder<ProductionAttachment> builder)
    {
        builder.ToTable("ProductionAttachments");
        builder.HasKey(a => a.Id);
        builder.HasOne<ProductionStep>().WithMany().HasForeignKey(a => a.StepId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(a => a.FileName).HasMaxLength(255);
        builder.Property(a => a.ContentType).HasMaxLength(100);
        builder.Property(a => a.BlobKey).HasMaxLength(32);
        builder.Property(a => a.Sha256).HasMaxLength(64);
        builder.Property(a => a.UploadedByName).HasMaxLength(256);
        builder.HasIndex(a => a.StepId);
        builder.HasIndex(a => a.OrderId);
    }

    public void Configure(EntityTypeBuilder<DeviceIdentifier> builder)
    {
        builder.ToTable("DeviceIdentifiers");
        builder.HasKey(d => d.Id);
        builder.HasOne<Order>().WithMany().HasForeignKey(d => d.OrderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(d => d.OrderId).IsUnique();
        builder.Property(d => d.Gtin).HasMaxLength(14);
        builder.Property(d => d.SerialNumber).HasMaxLength(20);
        builder.Property(d => d.LotNumber).HasMaxLength(20);
        builder.Property(d => d.ElementString).HasMaxLength(100);
        builder.Property(d => d.ReleasedByName).HasMaxLength(256);
        builder.HasIndex(d => new { d.Gtin, d.SerialNumber }).IsUnique();
        builder.HasIndex(d => d.SerialNumber);
    }
}
