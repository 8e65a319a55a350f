using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Monitoring;

namespace Trabecula.Server.Features.Orders.Pages;

/// <summary>
/// The auditor's queue of emergency access windows (R-AUTH-6): each ended window with its reason
/// and every audited access its holder made on the order during it, closed with a verdict.
/// </summary>
[Authorize(Policy = Policies.Auditor)]
public sealed class EmergencyReviewModel(TrabeculaDbContext db, IAuditLog audit, AlertService alerts, TimeProvider time) : PageModel
{
    public IReadOnlyList<EmergencyGrantView> Pending { get; private set; } = [];

    public IReadOnlyList<EmergencyGrantView> Recent { get; private set; } = [];

    /// <summary>Audit entries made under each pending grant, by grant id.</summary>
    public IReadOnlyDictionary<Guid, IReadOnlyList<AuditEntry>> Accesses { get; private set; } = new Dictionary<Guid, IReadOnlyList<AuditEntry>>();

    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(Guid grantId, string? verdict, string? note, CancellationToken cancellationToken)
    {
        var result = (await EmergencyAccessApi.ReviewAsync(grantId, new EmergencyReviewRequest(verdict, note), User, db, audit, alerts, time, cancellationToken)).Result;
        switch (result)
        {
            case Ok<EmergencyGrantView>:
                return Redirect("/audit/emergency");
            case ProblemHttpResult problem:
                Error = problem.ProblemDetails.Detail;
                break;
            case ValidationProblem invalid:
                Error = string.Join(" ", invalid.ProblemDetails.Errors.SelectMany(e => e.Value));
                break;
            default:
                return NotFound();
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var all = (await EmergencyAccessApi.ListForReviewAsync(null, db, time, cancellationToken)).Value!;
        Pending = [.. all.Where(g => !g.Active && g.ReviewedAt is null)];
        Recent = [.. all.Where(g => g.Active || g.ReviewedAt is not null).Take(50)];
        var accesses = new Dictionary<Guid, IReadOnlyList<AuditEntry>>();
        foreach (var grant in Pending.Take(20))
        {
            var holder = await db.EmergencyGrants.AsNoTracking().Where(g => g.Id == grant.Id).Select(g => g.UserId).SingleAsync(cancellationToken);
            var holderId = holder.ToString();
            var until = grant.EndedAt ?? grant.ExpiresAt;
            accesses[grant.Id] = await db.AuditEntries.AsNoTracking()
                .Where(e => e.OrderId == grant.OrderId && e.ActorId == holderId && e.OccurredAt >= grant.OpenedAt && e.OccurredAt <= until)
                .OrderBy(e => e.Sequence).Take(200).ToListAsync(cancellationToken);
        }

        Accesses = accesses;
        await audit.RecordAsync(new AuditEvent(AuditAction.AuditSearched) { TargetType = "emergency-access" }, cancellationToken);
    }
}
