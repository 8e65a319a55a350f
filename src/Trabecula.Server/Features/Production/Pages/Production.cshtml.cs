using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Permissions;

namespace Trabecula.Server.Features.Production.Pages;

/// <summary>
/// The manufacturer's production page of one order: the route with each step's status, the form
/// that records a step, QA sign-off, the device identifier and its label. It goes through the same
/// handlers as the API, so the rules (matrix, route, guards, audit) are one.
/// </summary>
[Authorize(Policy = Policies.Active)]
public sealed class ProductionModel(
    TrabeculaDbContext db, AccessPolicy policy, ProductionRoute route, IReleasedPackageSource packages, IAuditLog audit, TimeProvider time) : PageModel
{
    public ProductionView? View { get; private set; }

    public string? Error { get; private set; }

    public bool IsFactory { get; private set; }

    public IReadOnlyList<MachineView> Machines { get; private set; } = [];

    public IReadOnlyList<LotView> Lots { get; private set; } = [];

    public IReadOnlyList<BatchView> Batches { get; private set; } = [];

    [BindProperty]
    public string? Kind { get; set; }

    [BindProperty]
    public string? Result { get; set; }

    [BindProperty]
    public DateTime? StartedAt { get; set; }

    [BindProperty]
    public DateTime? EndedAt { get; set; }

    [BindProperty]
    public string? Equipment { get; set; }

    [BindProperty]
    public Guid? MachineId { get; set; }

    [BindProperty]
    public Guid? MaterialLotId { get; set; }

    [BindProperty]
    public Guid? SterilizationBatchId { get; set; }

    /// <summary>One "name=value" a line.</summary>
    [BindProperty]
    public string? Parameters { get; set; }

    [BindProperty]
    public string? Notes { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) => await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostRecordAsync(Guid id, CancellationToken cancellationToken)
    {
        var parameters = (Parameters ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2 && p[0].Trim().Length > 0)
            .GroupBy(p => p[0].Trim(), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last()[1].Trim(), StringComparer.Ordinal);
        var request = new StepRequest(Kind, StartedAt is { } s ? DateTime.SpecifyKind(s, DateTimeKind.Utc) : null, EndedAt is { } e ? DateTime.SpecifyKind(e, DateTimeKind.Utc) : null,
            Equipment, MachineId, MaterialLotId, SterilizationBatchId, parameters, Result, Notes);
        var outcome = await ProductionApi.RecordStepAsync(id, request, User, db, policy, route, packages, audit, time, cancellationToken);
        return await AfterAsync(id, outcome.Result, cancellationToken);
    }

    public async Task<IActionResult> OnPostSignOffAsync(Guid id, Guid stepId, bool approve, CancellationToken cancellationToken)
    {
        var outcome = await ProductionApi.SignOffAsync(id, stepId, new SignOffRequest(approve, null), User, db, policy, audit, time, cancellationToken);
        return await AfterAsync(id, outcome.Result, cancellationToken);
    }

    private async Task<IActionResult> AfterAsync(Guid id, IResult result, CancellationToken cancellationToken)
    {
        switch (result)
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
                return RedirectToPage(new { id });
        }

        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, User, time, cancellationToken);
        if (order is null)
        {
            return false;
        }

        if (!await policy.AuthorizeAsync(User, order, DataClass.ProductionRecords, DataAction.View, cancellationToken))
        {
            Error ??= "—";
            return true;
        }

        View = await ProductionApi.ViewAsync(db, order, route, packages, cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "production-records", TargetId = order.Number, OrderId = order.Id }, cancellationToken);
        if (await MasterRecordsApi.FactoryOfAsync(User, db, cancellationToken) is { } factory && order.ManufacturerId == factory)
        {
            IsFactory = true;
            Machines = [.. (await db.ProductionMachines.AsNoTracking().Where(m => m.ManufacturerId == factory).OrderBy(m => m.Name).ToListAsync(cancellationToken)).Select(MasterRecordsApi.ToView)];
            Lots = [.. (await db.MaterialLots.AsNoTracking().Where(l => l.ManufacturerId == factory).OrderByDescending(l => l.CreatedAt).Take(200)
                .Join(db.Materials, l => l.MaterialId, m => m.Id, (l, m) => new { l, m.Name }).ToListAsync(cancellationToken)).Select(x => MasterRecordsApi.ToView(x.l, x.Name))];
            Batches = [.. (await db.SterilizationBatches.AsNoTracking().Where(b => b.ManufacturerId == factory).OrderByDescending(b => b.CreatedAt).Take(200).ToListAsync(cancellationToken))
                .Select(MasterRecordsApi.ToView)];
        }

        return true;
    }
}
