using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;

namespace Trabecula.Server.Features.Orders.Pages;

/// <summary>One order: state, requirements, the timeline, and the moves that exist with who takes them.</summary>
[Authorize(Policy = Policies.Active)]
public sealed class DetailModel(TrabeculaDbContext db, IAuditLog audit, TimeProvider time) : PageModel
{
    public OrderView? Order { get; private set; }

    public IReadOnlyList<HistoryEntry> History { get; private set; } = [];

    public string? Error { get; private set; }

    public IReadOnlyList<CommentView> Comments { get; private set; } = [];

    public async Task<IActionResult> OnPostCommentAsync(Guid id, string? body, CancellationToken cancellationToken)
    {
        var result = await FeedbackApi.AddCommentAsync(id, new CommentRequest(body, null, null, null), User, db, audit, time, cancellationToken);
        switch (result.Result)
        {
            case Microsoft.AspNetCore.Http.HttpResults.NotFound:
                return NotFound();
            case ValidationProblem invalid:
                Error = string.Join(" ", invalid.ProblemDetails.Errors.SelectMany(e => e.Value));
                return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
            default:
                return Redirect($"/orders/{id}");
        }
    }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(Guid id, string? to, string? reason, int? version, CancellationToken cancellationToken)
    {
        var result = await OrdersApi.TransitionAsync(id, new TransitionRequest(to, reason, version), User, db, audit, time, cancellationToken);
        switch (result.Result)
        {
            case Microsoft.AspNetCore.Http.HttpResults.NotFound:
                return NotFound();
            case ProblemHttpResult problem:
                Error = problem.ProblemDetails.Detail;
                break;
            case ValidationProblem invalid:
                Error = string.Join(" ", invalid.ProblemDetails.Errors.SelectMany(e => e.Value));
                break;
            default:
                return Redirect($"/orders/{id}");
        }

        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        if ((await OrdersApi.GetAsync(id, User, db, audit, cancellationToken)).Result is not Ok<OrderView> found)
        {
            return false;
        }

        Order = found.Value;
        History = ((Ok<List<HistoryEntry>>)(await OrdersApi.HistoryAsync(id, User, db, cancellationToken)).Result).Value!;
        Comments = ((Ok<List<CommentView>>)(await FeedbackApi.ListCommentsAsync(id, User, db, cancellationToken)).Result).Value!;
        return true;
    }
}
