using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Orders;

namespace Trabecula.Server.Features.PatientData;

/// <summary>What a dataset holds (R-DATA-1): medical imaging, optical captures, physical-model scans.</summary>
public enum DatasetKind
{
    MedicalImaging,
    OpticalCapture,
    PhysicalModelScan,
}

/// <summary>
/// A set of patient data the institution uploads on an order, e.g. "CT 2026-11-20, 0.625 mm".
/// Its confirmation by the institution (R-DATA-3, T/CAMDI 028 5.2.2) is the recorded act the
/// DataConfirmed move waits for.
/// </summary>
public sealed class PatientDataset
{
    public Guid Id { get; set; }

    public Guid OrderId { get; set; }

    public DatasetKind Kind { get; set; }

    public string Description { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public Guid CreatedBy { get; set; }

    public string CreatedByName { get; set; } = "";

    public DateTime? ConfirmedAt { get; set; }

    public Guid? ConfirmedBy { get; set; }

    public string? ConfirmedByName { get; set; }

    // Acquisition, entered by hand for optical captures and model scans (R-DATA-2; DICOM series
    // carry the same facts in their headers): the device, resolution, accuracy and when.
    public string? DeviceManufacturer { get; set; }

    public string? DeviceModel { get; set; }

    public string? DeviceSerialNumber { get; set; }

    public double? ResolutionMm { get; set; }

    public double? AccuracyMm { get; set; }

    public DateTime? AcquiredAt { get; set; }
}

/// <summary>
/// One stored DICOM instance: where its encrypted bytes are, their hash, and the header fields the
/// series summaries are built from. The header itself (patient identity included) is kept
/// encrypted, without pixel data, so summaries never need the pixels.
/// </summary>
public sealed class DicomInstance
{
    public Guid Id { get; set; }

    public Guid DatasetId { get; set; }

    public Guid OrderId { get; set; }

    public string StudyInstanceUid { get; set; } = "";

    public string SeriesInstanceUid { get; set; } = "";

    public string SopInstanceUid { get; set; } = "";

    public string? SopClassUid { get; set; }

    public string TransferSyntaxUid { get; set; } = "";

    public string? Modality { get; set; }

    public string BlobKey { get; set; } = "";

    public long Length { get; set; }

    public string Sha256 { get; set; } = "";

    /// <summary>The de-identified derivative made at confirmation (PS3.15 basic profile), for the designer.</summary>
    public string? DeidentifiedBlobKey { get; set; }

    public long? DeidentifiedLength { get; set; }

    public string? DeidentifiedSha256 { get; set; }

    /// <summary>Burned-in annotation flagged: no derivative is made; the institution must redact it first.</summary>
    public bool BurnedInAnnotation { get; set; }

    /// <summary>The PS3.10 file up to (not including) the pixel data, base64, encrypted.</summary>
    [Encrypted]
    public string Header { get; set; } = "";

    public DateTime ReceivedAt { get; set; }
}

internal sealed class PatientDataConfiguration : IEntityTypeConfiguration<PatientDataset>, IEntityTypeConfiguration<DicomInstance>
{
    public void Configure(EntityTypeBuilder<PatientDataset> builder)
    {
        builder.ToTable("PatientDatasets");
        builder.HasKey(d => d.Id);
        builder.HasOne<Order>().WithMany().HasForeignKey(d => d.OrderId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(d => d.Kind).HasConversion<string>().HasMaxLength(32);
        builder.Property(d => d.Description).HasMaxLength(500);
        builder.Property(d => d.CreatedByName).HasMaxLength(256);
        builder.Property(d => d.ConfirmedByName).HasMaxLength(256);
        builder.Property(d => d.DeviceManufacturer).HasMaxLength(128);
        builder.Property(d => d.DeviceModel).HasMaxLength(128);
        builder.Property(d => d.DeviceSerialNumber).HasMaxLength(128);
    }

    public void Configure(EntityTypeBuilder<DicomInstance> builder)
    {
        builder.ToTable("DicomInstances");
        builder.HasKey(i => i.Id);
        builder.HasOne<PatientDataset>().WithMany().HasForeignKey(i => i.DatasetId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(i => new { i.DatasetId, i.SopInstanceUid }).IsUnique();
        builder.HasIndex(i => new { i.OrderId, i.SeriesInstanceUid });
        builder.Property(i => i.StudyInstanceUid).HasMaxLength(64);
        builder.Property(i => i.SeriesInstanceUid).HasMaxLength(64);
        builder.Property(i => i.SopInstanceUid).HasMaxLength(64);
        builder.Property(i => i.SopClassUid).HasMaxLength(64);
        builder.Property(i => i.TransferSyntaxUid).HasMaxLength(64);
        builder.Property(i => i.Modality).HasMaxLength(16);
        builder.Property(i => i.BlobKey).HasMaxLength(32);
        builder.Property(i => i.Sha256).HasMaxLength(64);
        builder.Property(i => i.DeidentifiedBlobKey).HasMaxLength(32);
        builder.Property(i => i.DeidentifiedSha256).HasMaxLength(64);
    }
}
