using Trabecula.Server.Features.Organizations;

namespace Trabecula.Server.Features.Orders;

/// <summary>Which parties an organization plays on one order: its role there, not everything it could be elsewhere.</summary>
public static class OrderParties
{
    public static PartyTypes Of(Order order, Organization organization)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(organization);
        var party = PartyTypes.None;
        if (order.InstitutionId == organization.Id)
        {
            party |= PartyTypes.MedicalInstitution;
        }

        if (order.DesignerId == organization.Id)
        {
            party |= PartyTypes.Designer;
        }

        if (order.ManufacturerId == organization.Id)
        {
            party |= PartyTypes.Manufacturer;
        }

        if (order.RegistrantId == organization.Id)
        {
            party |= PartyTypes.MarketingAuthorizationHolder;
        }

        return party & organization.PartyTypes;
    }
}
