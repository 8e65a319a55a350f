namespace Trabecula.Server.Features.Organizations;

/// <summary>A hospital, design house, factory, registrant or the platform operator (R-ORG-1).</summary>
public sealed class Organization
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public PartyTypes PartyTypes { get; set; }

    /// <summary>医疗机构执业许可证登记号, required for a medical institution.</summary>
    public string? PracticeLicenceNumber { get; set; }

    /// <summary>医疗器械生产许可证编号, required for a manufacturer.</summary>
    public string? ProductionLicenceNumber { get; set; }

    /// <summary>医疗器械注册证编号 or 备案编号, required for a marketing authorization holder.</summary>
    public string? RegistrationNumber { get; set; }

    public DateTime CreatedAt { get; set; }

    public bool Has(PartyTypes type) => (PartyTypes & type) == type;
}
