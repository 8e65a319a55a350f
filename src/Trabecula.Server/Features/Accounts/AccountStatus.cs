namespace Trabecula.Server.Features.Accounts;

/// <summary>Real-name verification state (R-AUTH-1): only an Active account may act.</summary>
public enum AccountStatus
{
    /// <summary>Registered, waiting for an administrator to verify the real name.</summary>
    Pending = 0,

    /// <summary>Verified and allowed to act.</summary>
    Active = 1,

    /// <summary>Verification refused.</summary>
    Rejected = 2,

    /// <summary>Disabled by an administrator.</summary>
    Disabled = 3,
}
