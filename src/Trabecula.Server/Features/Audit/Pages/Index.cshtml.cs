using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;

namespace Trabecula.Server.Features.Audit.Pages;

/// <summary>The auditor's view of the trail: filters, newest first, and the export links.</summary>
[Authorize(Policy = Policies.Auditor)]
public sealed class IndexModel(TrabeculaDbContext db, IAuditLog audit) : PageModel
{
    private const int PageSize = 100;

    [BindProperty(SupportsGet = true)]
    public DateTime? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateTime? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Actor { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Action { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Outcome { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? OrderId { get; set; }

    [BindProperty(SupportsGet = true)]
    public long? Before { get; set; }

    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];

    public long? NextBefore { get; private set; }

    /// <summary>The filters as a query string, for the export links and the next page.</summary>
    public string QueryString { get; private set; } = "";

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var parameters = new AuditSearchParameters
        {
            From = From, To = To?.AddDays(1), Actor = Actor, Action = Action, Outcome = Outcome, OrderId = OrderId, Before = Before,
        };
        if (!parameters.TryGetFilter(out var filter, out _))
        {
            filter = new AuditFilter(Before: Before);
        }

        var rows = await AuditQuery.Apply(db, filter).Take(PageSize + 1).ToListAsync(cancellationToken);
        Entries = [.. rows.Take(PageSize)];
        NextBefore = rows.Count > PageSize ? rows[PageSize - 1].Sequence : null;
        QueryString = string.Join("&", new Dictionary<string, string?>
        {
            ["from"] = From?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["to"] = To?.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["actor"] = Actor, ["action"] = Action, ["outcome"] = Outcome, ["orderId"] = OrderId?.ToString(),
        }.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}"));
        await audit.RecordAsync(new AuditEvent(AuditAction.AuditSearched) { Details = parameters.Describe() }, cancellationToken);
    }
}
