using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Trabecula.Server.Features.Audit;

/// <summary>Export formats for auditors: CSV (spreadsheet-safe), JSON Lines, and FHIR R4 AuditEvent.</summary>
public static class AuditExport
{
    private static readonly string[] CsvColumns =
    [
        "sequence", "occurredAtUtc", "actorType", "actorId", "actorName", "actorRealName", "actorOrganizationId", "actorOrganizationName",
        "sessionId", "requestId", "action", "targetType", "targetId", "orderId", "outcome", "sourceIp", "userAgent", "details", "hash",
    ];

    public static string CsvHeader => string.Join(',', CsvColumns);

    public static string CsvRow(AuditEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        string?[] cells =
        [
            e.Sequence.ToString(CultureInfo.InvariantCulture), e.OccurredAt.ToString("O", CultureInfo.InvariantCulture), e.ActorType.ToString(), e.ActorId, e.ActorName,
            e.ActorRealName, e.ActorOrganizationId?.ToString(), e.ActorOrganizationName, e.SessionId, e.RequestId, e.Action.ToString(), e.TargetType,
            e.TargetId, e.OrderId?.ToString(), e.Outcome.ToString(), e.SourceIp, e.UserAgent, e.Details, Convert.ToHexStringLower(e.Hash),
        ];
        return string.Join(',', cells.Select(CsvCell));
    }

    /// <summary>
    /// INJ-03: a cell a spreadsheet would read as a formula (= + - @, tab, carriage return) is
    /// prefixed with an apostrophe; cells with separators, quotes or line breaks are quoted.
    /// </summary>
    public static string CsvCell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public static string JsonLine(AuditEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return JsonSerializer.Serialize(new
        {
            sequence = e.Sequence,
            occurredAt = e.OccurredAt,
            actorType = e.ActorType.ToString(),
            actorId = e.ActorId,
            actorName = e.ActorName,
            actorRealName = e.ActorRealName,
            actorOrganizationId = e.ActorOrganizationId,
            actorOrganizationName = e.ActorOrganizationName,
            sessionId = e.SessionId,
            requestId = e.RequestId,
            action = e.Action.ToString(),
            targetType = e.TargetType,
            targetId = e.TargetId,
            orderId = e.OrderId,
            outcome = e.Outcome.ToString(),
            sourceIp = e.SourceIp,
            userAgent = e.UserAgent,
            details = e.Details,
            previousHash = Convert.ToHexStringLower(e.PreviousHash),
            hash = Convert.ToHexStringLower(e.Hash),
        });
    }

    /// <summary>
    /// One FHIR R4 AuditEvent (http://hl7.org/fhir/R4/auditevent.html) with its required elements:
    /// type, recorded, agent (with requestor), source.observer; plus action, outcome, entity.
    /// </summary>
    public static JsonObject FhirAuditEvent(AuditEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var (typeCode, typeDisplay) = e.Action switch
        {
            AuditAction.SignIn or AuditAction.SignInFailed or AuditAction.SignOut or AuditAction.Lockout or AuditAction.SessionExpired
                or AuditAction.SessionsEnded or AuditAction.MfaEnrolled or AuditAction.MfaReset or AuditAction.RecoveryCodeUsed
                or AuditAction.ClientTokenIssued or AuditAction.ClientTokenRefused => ("110114", "User Authentication"),
            AuditAction.PermissionDenied or AuditAction.EmergencyAccessOpened or AuditAction.EmergencyAccessEnded
                or AuditAction.EmergencyAccessReviewed => ("110113", "Security Alert"),
            AuditAction.SettingsChanged or AuditAction.RoleChanged or AuditAction.UserApproved or AuditAction.UserRejected or AuditAction.UserDisabled
                or AuditAction.UserEnabled or AuditAction.UserInvited or AuditAction.ClientRegistered or AuditAction.ClientRevoked
                or AuditAction.ClientSecretRotated or AuditAction.OrganizationCreated or AuditAction.OrganizationUpdated => ("110136", "Security Roles Changed"),
            AuditAction.DataDownloaded or AuditAction.DataShared or AuditAction.AuditExported => ("110106", "Export"),
            AuditAction.DataUploaded => ("110107", "Import"),
            _ => ("110110", "Patient Record"),
        };
        var fhirAction = e.Action switch
        {
            AuditAction.DataCreated or AuditAction.DataUploaded or AuditAction.UserInvited or AuditAction.OrganizationCreated or AuditAction.ClientRegistered => "C",
            AuditAction.DataViewed or AuditAction.DataDownloaded or AuditAction.AuditSearched or AuditAction.AuditExported => "R",
            AuditAction.DataDeleted or AuditAction.ClientRevoked => "D",
            AuditAction.DataUpdated or AuditAction.RoleChanged or AuditAction.UserApproved or AuditAction.UserRejected or AuditAction.UserDisabled
                or AuditAction.UserEnabled or AuditAction.SettingsChanged or AuditAction.PasswordChanged or AuditAction.ClientSecretRotated => "U",
            _ => "E",
        };
        var agent = new JsonObject
        {
            ["type"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/extra-security-role-type", ["code"] = e.ActorType == AuditActorType.Client ? "dataprocessor" : "humanuser" }) },
            ["who"] = new JsonObject { ["identifier"] = new JsonObject { ["system"] = "urn:trabecula:" + e.ActorType.ToString().ToLowerInvariant(), ["value"] = e.ActorId ?? e.ActorName ?? "anonymous" }, ["display"] = e.ActorRealName ?? e.ActorName },
            ["requestor"] = true,
        };
        if (e.SourceIp is not null)
        {
            agent["network"] = new JsonObject { ["address"] = e.SourceIp, ["type"] = "2" };
        }

        var resource = new JsonObject
        {
            ["resourceType"] = "AuditEvent",
            ["id"] = e.Sequence.ToString(CultureInfo.InvariantCulture),
            ["type"] = new JsonObject { ["system"] = "http://dicom.nema.org/resources/ontology/DCM", ["code"] = typeCode, ["display"] = typeDisplay },
            ["subtype"] = new JsonArray(new JsonObject { ["system"] = "urn:trabecula:audit-action", ["code"] = e.Action.ToString() }),
            ["action"] = fhirAction,
            ["recorded"] = DateTime.SpecifyKind(e.OccurredAt, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
            ["outcome"] = e.Outcome switch { AuditOutcome.Success => "0", AuditOutcome.Denied => "4", _ => "8" },
            ["agent"] = new JsonArray(agent),
            ["source"] = new JsonObject { ["site"] = "Trabecula", ["observer"] = new JsonObject { ["display"] = "Trabecula platform" } },
        };
        if (e.TargetType is not null || e.OrderId is not null)
        {
            var entities = new JsonArray();
            if (e.TargetType is not null)
            {
                entities.Add(new JsonObject { ["what"] = new JsonObject { ["identifier"] = new JsonObject { ["system"] = "urn:trabecula:" + e.TargetType, ["value"] = e.TargetId } } });
            }

            if (e.OrderId is { } order)
            {
                entities.Add(new JsonObject { ["what"] = new JsonObject { ["identifier"] = new JsonObject { ["system"] = "urn:trabecula:order", ["value"] = order.ToString() } } });
            }

            resource["entity"] = entities;
        }

        return resource;
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
