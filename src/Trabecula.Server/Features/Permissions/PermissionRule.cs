using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Organizations;

namespace Trabecula.Server.Features.Permissions;

/// <summary>What is done with data (R-XFER-2).</summary>
public enum DataAction
{
    Upload,
    View,
    Download,
    Share,
    Encrypt,
    Decrypt,
}

/// <summary>The classes of data an order holds (R-SEC-3); policies follow the class.</summary>
public enum DataClass
{
    IdentifiedPatientData,
    DeidentifiedPatientData,
    DesignFiles,
    ProductionPackage,
    ProductionRecords,
    Audit,
}

/// <summary>One allowed cell of the stage permission matrix: (party, role) may do action on class at stage. Anything absent is denied.</summary>
public sealed class PermissionRule
{
    public Guid Id { get; set; }

    public PartyTypes Party { get; set; }

    public string Role { get; set; } = "";

    public OrderState Stage { get; set; }

    public DataClass Class { get; set; }

    public DataAction Action { get; set; }
}

internal sealed class PermissionRuleConfiguration : IEntityTypeConfiguration<PermissionRule>
{
    public void Configure(EntityTypeBuilder<PermissionRule> builder)
    {
        builder.ToTable("PermissionRules");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Party).HasConversion<string>().HasMaxLength(40);
        builder.Property(r => r.Role).HasMaxLength(40);
        builder.Property(r => r.Stage).HasConversion<string>().HasMaxLength(32);
        builder.Property(r => r.Class).HasConversion<string>().HasMaxLength(40);
        builder.Property(r => r.Action).HasConversion<string>().HasMaxLength(16);
        builder.HasIndex(r => new { r.Party, r.Role, r.Stage, r.Class, r.Action }).IsUnique();
    }
}
