namespace Trabecula.Server.Features.Audit;

/// <summary>
/// The closed list of audited actions (R-SEC-2, NMPA audit control). Stored by name, so a value
/// is never renumbered; add new ones at the end of their group. The INT-03 test performs each
/// action and expects exactly one entry.
/// </summary>
public enum AuditAction
{
    // Authentication and sessions
    SignIn,
    SignInFailed,
    Lockout,
    SignOut,
    SessionExpired,
    SessionsEnded,
    PasswordChanged,
    MfaEnrolled,
    MfaReset,
    RecoveryCodeUsed,

    // People and organizations
    OrganizationCreated,
    OrganizationUpdated,
    UserInvited,
    UserApproved,
    UserRejected,
    UserDisabled,
    UserEnabled,
    RoleChanged,

    // Machine clients (R-AUTH-5)
    ClientRegistered,
    ClientSecretRotated,
    ClientRevoked,
    ClientTokenIssued,
    ClientTokenRefused,

    // Data operations (R-SEC-2: collect, create, review, register, copy, transmit, view, download, destroy)
    DataCreated,
    DataViewed,
    DataDownloaded,
    DataUploaded,
    DataShared,
    DataUpdated,
    DataDeleted,

    // Security events
    PermissionDenied,
    SettingsChanged,
    AuditSearched,
    AuditExported,
    AuditVerified,

    // Stage permission matrix (R-XFER-2): every decision is recorded; denials as PermissionDenied.
    AccessAllowed,

    // Emergency access (R-AUTH-6): opened, ended (expired or given back), reviewed by an auditor.
    EmergencyAccessOpened,
    EmergencyAccessEnded,
    EmergencyAccessReviewed,

    // Blob storage (R-DATA-2, R-XFER-3): a stored file failed authentication or its hash; key rotation.
    BlobIntegrityFailed,
    KeysRotated,

    // Resumable uploads (tus): created, completed into a blob, deleted.
    UploadCreated,
    UploadCompleted,
    UploadDeleted,

    // Design confirmation (R-DES-1, R-DES-2): electronic signatures (approve or reject), their
    // verification, and the release of the production package.
    DesignSigned,
    DesignSignatureVerified,
    ProductionPackageReleased,

    // Production and traceability (R-TRACE-1..3): the device identifier assigned at QC release, a
    // scanned device refused as not this order's, and every trace query and export.
    DeviceIdentifierAssigned,
    DeviceScanRefused,
    TraceQueried,
    TraceExported,

    // Sharing and encrypted export (R-XFER-2 share/encrypt): a share created, its artifact
    // downloaded by the recipient, revoked by the sharer, and every refused create, download or
    // revoke; a machine client's transfer key registered and an encrypted package exported to it.
    ShareCreated,
    ShareDownloaded,
    ShareRevoked,
    ShareRefused,
    ClientTransferKeyRegistered,
    PackageExported,
    // Download links (issue 6): a short-lived link to one file was handed out (the download itself is DataDownloaded).
    DownloadLinkIssued,
}

/// <summary>How the audited operation ended.</summary>
public enum AuditOutcome
{
    Success,
    Denied,
    Failed,
}

/// <summary>Who acted: a person, a machine client (never a person, R-AUTH-5), or the platform itself.</summary>
public enum AuditActorType
{
    Anonymous,
    User,
    Client,
    System,
}
