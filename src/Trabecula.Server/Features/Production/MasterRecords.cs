using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Trabecula.Server.Features.Production;

/// <summary>Additive manufacturing processes (ISO/ASTM 52900 categories, by their common names).</summary>
public enum ProcessKind
{
    /// <summary>Laser powder bed fusion (metal): titanium cranial plates, acetabular cups.</summary>
    LPBF,

    /// <summary>Electron beam powder bed fusion.</summary>
    EBM,

    /// <summary>Vat photopolymerisation: surgical guides, dental models.</summary>
    SLA,

    /// <summary>Material extrusion: PEEK implants, anatomical models.</summary>
    FDM,

    /// <summary>Polymer powder bed fusion.</summary>
    SLS,
    Other,
}

public enum SterilizationMethod
{
    /// <summary>Ethylene oxide.</summary>
    EO,
    Steam,
    Gamma,
    ElectronBeam,
    HydrogenPeroxidePlasma,
}

/// <summary>The biological or chemical indicator's verdict on a sterilization cycle.</summary>
public enum IndicatorResult
{
    Pending,
    Pass,
    Fail,
}

/// <summary>A material the factory prints with (e.g. Ti-6Al-4V ELI powder, ASTM F3001).</summary>
public sealed class Material
{
    public Guid Id { get; set; }

    /// <summary>The manufacturer organization whose record this is (the tenant).</summary>
    public Guid ManufacturerId { get; set; }

    public string Name { get; set; } = "";

    /// <summary>Grade or standard, e.g. "ASTM F3001 Grade 23".</summary>
    public string Specification { get; set; } = "";

    public string Supplier { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>One received lot of a material: what a recall starts from.</summary>
public sealed class MaterialLot
{
    public Guid Id { get; set; }

    public Guid ManufacturerId { get; set; }

    public Guid MaterialId { get; set; }

    public string LotNumber { get; set; } = "";

    /// <summary>The supplier's certificate of analysis number.</summary>
    public string? CertificateNumber { get; set; }

    public DateOnly? ReceivedOn { get; set; }

    public DateOnly? ExpiresOn { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>A printer (or other production machine), identified by its serial number.</summary>
public sealed class ProductionMachine
{
    public Guid Id { get; set; }

    public Guid ManufacturerId { get; set; }

    public string Name { get; set; } = "";

    public string Model { get; set; } = "";

    public string SerialNumber { get; set; } = "";

    public ProcessKind Process { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>One sterilization cycle (batch): many devices share it, so it is its own record.</summary>
public sealed class SterilizationBatch
{
    public Guid Id { get; set; }

    public Guid ManufacturerId { get; set; }

    public SterilizationMethod Method { get; set; }

    /// <summary>The sterilizer's cycle or batch number, unique within the factory.</summary>
    public string CycleId { get; set; } = "";

    public string Sterilizer { get; set; } = "";

    /// <summary>Cycle parameters as the sterilizer reports them, e.g. "134 °C, 4 min, 2.1 bar" or "25 kGy".</summary>
    public string Parameters { get; set; } = "";

    public IndicatorResult IndicatorResult { get; set; }

    public DateTime? StartedAt { get; set; }

    public DateTime? EndedAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

internal sealed class MasterRecordConfiguration :
    IEntityTypeConfiguration<Material>, IEntityTypeConfiguration<MaterialLot>, IEntityTypeConfiguration<ProductionMachine>, IEntityTypeConfiguration<SterilizationBatch>
{
    public void Configure(EntityTypeBuilder<Material> builder)
    {
        builder.ToTable("Materials");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Name).HasMaxLength(200);
        builder.Property(m => m.Specification).HasMaxLength(200);
        builder.Property(m => m.Supplier).HasMaxLength(200);
        builder.HasIndex(m => new { m.ManufacturerId, m.Name }).IsUnique();
    }

    public void Configure(EntityTypeBuilder<MaterialLot> builder)
    {
        builder.ToTable("MaterialLots");
        builder.HasKey(l => l.Id);
        builder.HasOne<Material>().WithMany().HasForeignKey(l => l.MaterialId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(l => l.LotNumber).HasMaxLength(64);
        builder.Property(l => l.CertificateNumber).HasMaxLength(100);
        builder.HasIndex(l => new { l.MaterialId, l.LotNumber }).IsUnique();
        builder.HasIndex(l => new { l.ManufacturerId, l.LotNumber });
    }

    public void Configure(EntityTypeBuilder<ProductionMachine> builder)
    {
        builder.ToTable("ProductionMachines");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Name).HasMaxLength(200);
        builder.Property(m => m.Model).HasMaxLength(200);
        builder.Property(m => m.SerialNumber).HasMaxLength(100);
        builder.Property(m => m.Process).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(m => new { m.ManufacturerId, m.SerialNumber }).IsUnique();
    }

    public void Configure(EntityTypeBuilder<SterilizationBatch> builder)
    {
        builder.ToTable("SterilizationBatches");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Method).HasConversion<string>().HasMaxLength(32);
        builder.Property(b => b.CycleId).HasMaxLength(64);
        builder.Property(b => b.Sterilizer).HasMaxLength(200);
        builder.Property(b => b.Parameters).HasMaxLength(2000);
        builder.Property(b => b.IndicatorResult).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(b => new { b.ManufacturerId, b.CycleId }).IsUnique();
    }
}
