using Trabecula.Server.Features.Organizations;

namespace Trabecula.Server.Features.Orders;

/// <summary>Which parties an organization plays on one order: its role there, not everything it could be elsewhere.</summary>
public static class OrderParties
{
    public static PartyTypes Of(Order order, Organization organization)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(organization);
        return Of(order, organization.Id, organization.PartyTypes);
    }

    /// <summary>The same from the organization's id and party types (read in one query with the order).</summary>
    public static PartyTypes Of(Order order, Guid organizationId, PartyTypes organizationPartyTypes)
    {
        ArgumentNullException.ThrowIfNull(order);
        var party = PartyTypes.None;
        if (order.InstitutionId == organizationId)
        {
            party |= PartyTypes.MedicalInstitution;
        }

        if (order.DesignerId == organizationId)
        {
            party |= PartyTypes.Designer;
        }

        if (order.ManufacturerId == organizationId)
        {
            party |= PartyTypes.Manufacturer;
        }

        if (order.RegistrantId == organizationId)
        {
            party |= PartyTypes.MarketingAuthorizationHolder;
        }

        return party & organizationPartyTypes;
    }
}
