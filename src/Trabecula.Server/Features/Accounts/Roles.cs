namespace Trabecula.Server.Features.Accounts;

/// <summary>
/// The roles of R-ORG-2, plus the security administrator that separation of duties (MLPS
/// 三权分立) needs beside the system administrator and the auditor. Names are stable identifiers
/// used in policies and the permission matrix; the UI shows localized labels.
/// </summary>
public static class Roles
{
    public const string Physician = "Physician";
    public const string InstitutionAdmin = "InstitutionAdmin";
    public const string Designer = "Designer";
    public const string ProductionOperator = "ProductionOperator";
    public const string QualityInspector = "QualityInspector";
    public const string RegulatoryOfficer = "RegulatoryOfficer";
    public const string OrgAdmin = "OrgAdmin";
    public const string PlatformAdmin = "PlatformAdmin";
    public const string SecurityAdmin = "SecurityAdmin";
    public const string Auditor = "Auditor";

    public static IReadOnlyList<string> All { get; } =
    [
        Physician, InstitutionAdmin, Designer, ProductionOperator, QualityInspector,
        RegulatoryOfficer, OrgAdmin, PlatformAdmin, SecurityAdmin, Auditor,
    ];
}
