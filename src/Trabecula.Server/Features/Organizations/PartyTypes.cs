namespace Trabecula.Server.Features.Organizations;

/// <summary>
/// The parties of T/CAMDI 028-2019 clause 4 an organization acts as (R-ORG-1). Flags, because
/// one organization often holds several: a registrant that designs and prints its own devices.
/// </summary>
[Flags]
public enum PartyTypes
{
    None = 0,

    /// <summary>医疗机构: raises requirements, supplies patient data, confirms designs.</summary>
    MedicalInstitution = 1,

    /// <summary>设计者: designs the device from the patient data.</summary>
    Designer = 2,

    /// <summary>生产者: prints, post-processes, sterilizes and releases the device.</summary>
    Manufacturer = 4,

    /// <summary>上市许可持有人: holds the registration certificate or filing.</summary>
    MarketingAuthorizationHolder = 8,

    /// <summary>Runs the platform itself (platform administrators, security administrators, auditors).</summary>
    PlatformOperator = 16,
}
