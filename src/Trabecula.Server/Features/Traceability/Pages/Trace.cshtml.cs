using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Permissions;
using Trabecula.Server.Features.Production;

namespace Trabecula.Server.Features.Traceability.Pages;

/// <summary>
/// The trace search (R-TRACE-3): a device code (scanned from the label or typed) → its history;
/// for a factory, its lots, machines and sterilization cycles → the recall list. Same handlers
/// as the API: same access rules, same audit entries.
/// </summary>
[Authorize(Policy = Policies.Active)]
public sealed class TraceModel(
    TrabeculaDbContext db, AccessPolicy policy, ProductionRoute route, IReleasedPackageSource packages, IDesignHistorySource designs, IAuditLog audit, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Code { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? MaterialLotId { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? MachineId { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? SterilizationBatchId { get; set; }

    public DeviceHistory? History { get; private set; }

    public RecallList? Recall { get; private set; }

    public bool NotFoundCode { get; private set; }

    public bool IsFactory { get; private set; }

    public IReadOnlyList<LotView> Lots { get; private set; } = [];

    public IReadOnlyList<MachineView> Machines { get; private set; } = [];

    public IReadOnlyList<BatchView> Batches { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(Code))
        {
            var result = await TraceApi.DeviceAsync(Code, User, db, policy, route, packages, designs, audit, time, cancellationToken);
            History = (result.Result as Ok<DeviceHistory>)?.Value;
            NotFoundCode = History is null;
        }

        if (MaterialLotId is not null || MachineId is not null || SterilizationBatchId is not null)
        {
            var result = await TraceApi.RecallAsync(MaterialLotId, MachineId, SterilizationBatchId, null, User, db, audit, time, cancellationToken);
            Recall = (result.Result as Ok<RecallList>)?.Value;
        }

        if (await MasterRecordsApi.FactoryOfAsync(User, db, cancellationToken) is { } factory)
        {
            IsFactory = true;
            Lots = [.. (await db.MaterialLots.AsNoTracking().Where(l => l.ManufacturerId == factory).OrderByDescending(l => l.CreatedAt).Take(200)
                .Join(db.Materials, l => l.MaterialId, m => m.Id, (l, m) => new { l, m.Name }).ToListAsync(cancellationToken)).Select(x => MasterRecordsApi.ToView(x.l, x.Name))];
            Machines = [.. (await db.ProductionMachines.AsNoTracking().Where(m => m.ManufacturerId == factory).OrderBy(m => m.Name).ToListAsync(cancellationToken)).Select(MasterRecordsApi.ToView)];
            Batches = [.. (await db.SterilizationBatches.AsNoTracking().Where(b => b.ManufacturerId == factory).OrderByDescending(b => b.CreatedAt).Take(200).ToListAsync(cancellationToken))
                .Select(MasterRecordsApi.ToView)];
        }
    }

    /// <summary>The query string of the current recall, for its CSV and PDF links.</summary>
    public string RecallQuery => MaterialLotId is { } l ? $"materialLotId={l}" : MachineId is { } m ? $"machineId={m}" : $"sterilizationBatchId={SterilizationBatchId}";
}
