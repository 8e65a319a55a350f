using Microsoft.AspNetCore.Identity;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Organizations;

namespace Trabecula.Server.Features.Accounts;

/// <summary>A person. Belongs to exactly one organization (R-ORG-2). Machine clients are not users (R-AUTH-5).</summary>
public sealed class TrabeculaUser : IdentityUser<Guid>
{
    public Guid OrganizationId { get; set; }

    public Organization? Organization { get; set; }

    /// <summary>Legal name as on the identity document (实名).</summary>
    public string LegalName { get; set; } = "";

    public AccountStatus Status { get; set; }

    /// <summary>Set for accounts created with a one-time password: the first sign-in must change it.</summary>
    public bool MustChangePassword { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Identity-document number (居民身份证号 or passport), encrypted in the database, shown masked.</summary>
    [Encrypted]
    public string? IdentityDocumentNumber { get; set; }

    public string? MobileNumber { get; set; }

    /// <summary>医师执业证书编号, required for physicians.</summary>
    public string? PractitionerLicenceNumber { get; set; }

    /// <summary>When and by whom the real name was approved or rejected (R-AUTH-1).</summary>
    public DateTime? VerifiedAt { get; set; }

    public Guid? VerifiedBy { get; set; }
}
