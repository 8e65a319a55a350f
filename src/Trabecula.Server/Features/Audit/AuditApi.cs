using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Infrastructure.Errors;

namespace Trabecula.Server.Features.Audit;

public sealed record AuditPage(IReadOnlyList<AuditEntryView> Items, long? NextBefore);

public sealed record AuditEntryView(
    long Sequence, DateTime OccurredAt, string ActorType, string? ActorId, string? ActorName, string? ActorRealName, string? ActorOrganizationName,
    string Action, string? TargetType, string? TargetId, Guid? OrderId, string Outcome, string? SourceIp, string? Details)
{
    public static AuditEntryView From(AuditEntry e) => new(e.Sequence, e.OccurredAt, e.ActorType.ToString(), e.ActorId, e.ActorName, e.ActorRealName,
        e.ActorOrganizationName, e.Action.ToString(), e.TargetType, e.TargetId, e.OrderId, e.Outcome.ToString(), e.SourceIp, e.Details);
}

/// <summary>The audit trail for auditors only (三权分立: not the system administrator): search, export, verify.</summary>
internal static class AuditApi
{
    public const int MaxExportRows = 200_000;

    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/audit").WithTags("Audit").RequireAuthorization(Policies.Auditor);
        group.MapGet("/entries", SearchAsync).WithName("SearchAudit").WithSummary("Search the audit trail, newest first; pass nextBefore as before for the next page.");
        group.MapGet("/export", ExportAsync).WithName("ExportAudit").WithSummary("Export matching entries as csv, jsonl or fhir (a FHIR R4 Bundle of AuditEvent).");
        group.MapGet("/verify", VerifyAsync).WithName("VerifyAudit").WithSummary("Verify the hash chain, checkpoints and signed head.");
        return group;
    }

    private static async Task<Results<Ok<AuditPage>, ValidationProblem>> SearchAsync(
        [AsParameters] AuditSearchParameters parameters, TrabeculaDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (!parameters.TryGetFilter(out var filter, out var errors))
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var size = Math.Clamp(parameters.PageSize ?? 100, 1, AuditQuery.MaxPageSize);
        var items = await AuditQuery.Apply(db, filter).Take(size + 1).ToListAsync(cancellationToken);
        var page = new AuditPage([.. items.Take(size).Select(AuditEntryView.From)], items.Count > size ? items[size - 1].Sequence : null);
        await audit.RecordAsync(new AuditEvent(AuditAction.AuditSearched) { Details = parameters.Describe() }, cancellationToken);
        return TypedResults.Ok(page);
    }

    private static async Task<Results<FileContentHttpResult, ValidationProblem>> ExportAsync(
        [AsParameters] AuditSearchParameters parameters, string? format, TrabeculaDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        format = (format ?? "csv").ToLowerInvariant();
        if (format is not ("csv" or "jsonl" or "fhir") || !parameters.TryGetFilter(out var filter, out var errors))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["format"] = ["format is csv, jsonl or fhir; check the filters too."] }, type: ProblemTypes.Validation);
        }

        var entries = await AuditQuery.Apply(db, filter).Take(MaxExportRows).ToListAsync(cancellationToken);
        entries.Reverse(); // exports read oldest first, like the chain
        var text = new StringBuilder();
        string contentType;
        switch (format)
        {
            case "csv":
                contentType = "text/csv; charset=utf-8";
                text.Append('\uFEFF').AppendLine(AuditExport.CsvHeader);
                entries.ForEach(e => text.AppendLine(AuditExport.CsvRow(e)));
                break;
            case "jsonl":
                contentType = "application/x-ndjson";
                entries.ForEach(e => text.Append(AuditExport.JsonLine(e)).Append('\n'));
                break;
            default:
                contentType = "application/fhir+json";
                var bundle = new JsonObject
                {
                    ["resourceType"] = "Bundle",
                    ["type"] = "collection",
                    ["entry"] = new JsonArray([.. entries.Select(e => (JsonNode)new JsonObject { ["resource"] = AuditExport.FhirAuditEvent(e) })]),
                };
                text.Append(bundle.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
                break;
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.AuditExported)
        {
            Details = new Dictionary<string, object?>(parameters.Describe()) { ["format"] = format, ["rows"] = entries.Count },
        }, cancellationToken);
        return TypedResults.File(Encoding.UTF8.GetBytes(text.ToString()), contentType, $"trabecula-audit.{(format == "fhir" ? "json" : format)}");
    }

    private static async Task<Ok<AuditVerification>> VerifyAsync(AuditVerifier verifier, IAuditLog audit, CancellationToken cancellationToken)
    {
        var result = await verifier.VerifyAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.AuditVerified, result.IsValid ? AuditOutcome.Success : AuditOutcome.Failed)
        {
            Details = new Dictionary<string, object?> { ["entries"] = result.EntriesChecked, ["firstBadSequence"] = result.FirstBadSequence },
        }, cancellationToken);
        return TypedResults.Ok(result);
    }
}

/// <summary>Query-string filters of the audit search and export.</summary>
internal sealed class AuditSearchParameters
{
    public DateTime? From { get; init; }

    public DateTime? To { get; init; }

    public string? Actor { get; init; }

    public string? Action { get; init; }

    public string? TargetType { get; init; }

    public string? TargetId { get; init; }

    public Guid? OrderId { get; init; }

    public string? Outcome { get; init; }

    public long? Before { get; init; }

    public int? PageSize { get; init; }

    public bool TryGetFilter(out AuditFilter filter, out Dictionary<string, string[]> errors)
    {
        errors = [];
        AuditAction? action = null;
        AuditOutcome? outcome = null;
        if (!string.IsNullOrEmpty(Action))
        {
            if (Enum.TryParse<AuditAction>(Action, out var a) && Enum.IsDefined(a))
            {
                action = a;
            }
            else
            {
                errors["action"] = [$"Unknown action '{Action}'."];
            }
        }

        if (!string.IsNullOrEmpty(Outcome))
        {
            if (Enum.TryParse<AuditOutcome>(Outcome, out var o) && Enum.IsDefined(o))
            {
                outcome = o;
            }
            else
            {
                errors["outcome"] = [$"Unknown outcome '{Outcome}'."];
            }
        }

        filter = new AuditFilter(
            From?.ToUniversalTime(), To?.ToUniversalTime(), Truncate(Actor), action, Truncate(TargetType), Truncate(TargetId), OrderId, outcome, Before);
        return errors.Count == 0;
    }

    public Dictionary<string, object?> Describe() => new()
    {
        ["from"] = From, ["to"] = To, ["actor"] = Truncate(Actor), ["action"] = Action, ["targetType"] = TargetType, ["orderId"] = OrderId, ["outcome"] = Outcome,
    };

    private static string? Truncate(string? value) => value is { Length: > 128 } ? value[..128] : value;
}
