namespace Trabecula.Server.Infrastructure.Security;

/// <summary>
/// Claims the platform puts on a principal at sign-in (or token issue), read by authorization and
/// audit. ClaimTypes.NameIdentifier and ClaimTypes.Name carry the user id and user name.
/// </summary>
public static class TrabeculaClaimTypes
{
    public const string ActorType = "trabecula:actor";
    public const string RealName = "trabecula:real_name";
    public const string OrganizationId = "trabecula:org_id";
    public const string OrganizationName = "trabecula:org_name";
    public const string SessionId = "trabecula:sid";
    public const string AccountStatus = "trabecula:status";

    /// <summary>Set while the account still has to change its password or enrol MFA.</summary>
    public const string SetupRequired = "trabecula:setup";
    public const string Scope = "scope";
    public const string ClientId = "client_id";
}
