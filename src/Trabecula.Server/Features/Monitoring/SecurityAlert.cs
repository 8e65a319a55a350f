using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Trabecula.Server.Features.Monitoring;

/// <summary>Kinds of security alert (R-SEC-5). Delivery to administrators comes with the monitoring feature.</summary>
public enum AlertKind
{
    BruteForce,
    MassDownload,
    IntegrityFailure,
    EmergencyAccess,
    ConfigurationChange,
}

/// <summary>A recorded security alert. Holds identifiers, never patient data.</summary>
public sealed class SecurityAlert
{
    public Guid Id { get; set; }

    public AlertKind Kind { get; set; }

    public DateTime RaisedAt { get; set; }

    /// <summary>The account or object concerned (a user name, a blob id).</summary>
    public string? Subject { get; set; }

    public string? SourceIp { get; set; }

    public string Summary { get; set; } = "";

    public DateTime? AcknowledgedAt { get; set; }

    public Guid? AcknowledgedBy { get; set; }
}

internal sealed class SecurityAlertConfiguration : IEntityTypeConfiguration<SecurityAlert>
{
    public void Configure(EntityTypeBuilder<SecurityAlert> builder)
    {
        builder.ToTable("SecurityAlerts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Kind).HasConversion<string>().HasMaxLength(32);
        builder.Property(a => a.Subject).HasMaxLength(256);
        builder.Property(a => a.SourceIp).HasMaxLength(64);
        builder.Property(a => a.Summary).HasMaxLength(500);
        builder.HasIndex(a => a.RaisedAt);
    }
}
