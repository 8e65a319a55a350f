using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Features.Permissions;

namespace Trabecula.Server.Features.Transfer;

/// <summary>
/// What the data class allows beyond the matrix's Share/Encrypt cell for the sender: which party
/// the receiving side may play on the order. The matrix is data an administrator can change; this
/// rule is not, because it is R-DATA-6 itself: the identified original never leaves the
/// institution (only the institution can re-identify), so it can be neither shared with nor
/// exported to another organization, whatever the matrix says. Everything else may go to any
/// other participant the sender's matrix cell allows.
/// </summary>
public static class ShareRules
{
    public static bool MayReceive(DataClass cls, PartyTypes recipientParty) =>
        recipientParty != PartyTypes.None && (cls != DataClass.IdentifiedPatientData || recipientParty.HasFlag(PartyTypes.MedicalInstitution));
}
