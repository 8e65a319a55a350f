using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Trabecula.Server.Features.Organizations;

namespace Trabecula.Server.Features.Clients;

/// <summary>
/// A machine that talks to the platform on its organization's behalf (R-AUTH-5, NMPA 节点鉴别):
/// a hospital's PACS gateway, a factory's MES, a printer. It has its own credential, never a
/// person's; the secret is stored only as a SHA-256 hash (it is 256 random bits, so a slow hash
/// adds nothing) and rotating it or revoking the client kills every token it holds at once.
/// </summary>
public sealed class MachineClient
{
    public Guid Id { get; set; }

    public Guid OrganizationId { get; set; }

    public Organization? Organization { get; set; }

    public string Name { get; set; } = "";

    /// <summary>The public identifier, "tbc_" and 24 hex digits.</summary>
    public string ClientId { get; set; } = "";

    public string SecretHash { get; set; } = "";

    /// <summary>Incremented on rotation; tokens carry it and die when it moves on.</summary>
    public int SecretVersion { get; set; }

    /// <summary>Space-separated scopes from <see cref="ClientScopes"/>.</summary>
    public string Scopes { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public Guid CreatedBy { get; set; }

    public DateTime? RotatedAt { get; set; }

    public DateTime? RevokedAt { get; set; }

    public DateTime? LastTokenAt { get; set; }

    public IReadOnlyList<string> ScopeList => Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}

internal sealed class MachineClientConfiguration : IEntityTypeConfiguration<MachineClient>
{
    public void Configure(EntityTypeBuilder<MachineClient> builder)
    {
        builder.ToTable("MachineClients");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Name).HasMaxLength(100).IsRequired();
        builder.Property(c => c.ClientId).HasMaxLength(40).IsRequired();
        builder.HasIndex(c => c.ClientId).IsUnique();
        builder.Property(c => c.SecretHash).HasMaxLength(64).IsRequired();
        builder.Property(c => c.Scopes).HasMaxLength(500);
        builder.Ignore(c => c.ScopeList);
        builder.HasOne(c => c.Organization).WithMany().HasForeignKey(c => c.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(c => c.OrganizationId);
    }
}

/// <summary>What a machine client may be allowed to do, and which party may hold each scope.</summary>
public static class ClientScopes
{
    /// <summary>A hospital PACS gateway sends imaging studies.</summary>
    public const string ImagingUpload = "imaging.upload";

    /// <summary>A factory MES records production steps.</summary>
    public const string ProductionRecord = "production.record";

    /// <summary>Reads the orders the organization takes part in.</summary>
    public const string OrdersRead = "orders.read";

    public static readonly IReadOnlyDictionary<string, PartyTypes> RequiredParty = new Dictionary<string, PartyTypes>(StringComparer.Ordinal)
    {
        [ImagingUpload] = PartyTypes.MedicalInstitution,
        [ProductionRecord] = PartyTypes.Manufacturer,
        [OrdersRead] = PartyTypes.None,
    };
}
