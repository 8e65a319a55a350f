using System.Security.Claims;
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
using Trabecula.Server.Features.Production;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Traceability.Pages;

/// <summary>
/// After the factory, for one order (R-TRACE-2): the manufacturer records the shipment, the
/// institution confirms receipt, the physician records surgery with the device code scanned or
/// typed, then the follow-ups or why the order closes without the final one. Every post goes
/// through the API's handler (<see cref="AfterFactoryApi"/>), so the rules, the refusals and the
/// audit entries are the API's; the page only decides which forms to offer.
/// </summary>
[Authorize(Policy = Policies.Active)]
public sealed class AfterFactoryModel(TrabeculaDbContext db, ProductionRoute route, AccessPolicy policy, IAuditLog audit, TimeProvider time) : PageModel
{
    public Guid OrderId { get; private set; }

    public string OrderNumber { get; private set; } = "";

    public string State { get; private set; } = "";

    public DeviceIdentifierView? Device { get; private set; }

    public ShipmentView? Shipment { get; private set; }

    public SurgicalUseView? Use { get; private set; }

    public IReadOnlyList<FollowUpView> FollowUps { get; private set; } = [];

    public string? ClosureReason { get; private set; }

    /// <summary>The refusal of the last post, as the API worded it.</summary>
    public string? Error { get; private set; }

    /// <summary>The last post was a device code that is not this order's device (or an expired one).</summary>
    public bool WrongDevice { get; private set; }

    public bool CanShip { get; private set; }

    public bool CanReceive { get; private set; }

    public bool CanRecordUse { get; private set; }

    public bool CanRecordFollowUp { get; private set; }

    public bool CanClose { get; private set; }

    [BindProperty]
    public string? Carrier { get; set; }

    [BindProperty]
    public string? TrackingNumber { get; set; }

    [BindProperty]
    public DateTime? SentAt { get; set; }

    [BindProperty]
    public DateTime? ReceivedAt { get; set; }

    [BindProperty]
    public string? Condition { get; set; }

    [BindProperty]
    public bool? PackageIntact { get; set; }

    [BindProperty]
    public string? ReceiptNotes { get; set; }

    [BindProperty]
    public DateOnly? SurgeryDate { get; set; }

    [BindProperty]
    public string? Surgeon { get; set; }

    [BindProperty]
    public string? DeviceCode { get; set; }

    [BindProperty]
    public string? Fit { get; set; }

    [BindProperty]
    public string? FitNotes { get; set; }

    [BindProperty]
    public string? AdverseEvents { get; set; }

    [BindProperty]
    public Guid? FollowUpId { get; set; }

    [BindProperty]
    public DateOnly? PerformedOn { get; set; }

    [BindProperty]
    public string? Outcome { get; set; }

    [BindProperty]
    public string? Imaging { get; set; }

    [BindProperty]
    public string? Complications { get; set; }

    [BindProperty]
    public string? Feedback { get; set; }

    [BindProperty]
    public string? FeedbackNotes { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) => await LoadAsync(id, audited: true, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostShipAsync(Guid id, CancellationToken cancellationToken)
    {
        var request = new ShipmentRequest(Carrier, TrackingNumber, Utc(SentAt));
        var outcome = await AfterFactoryApi.ShipAsync(id, request, User, db, policy, audit, time, cancellationToken);
        return await AfterAsync(id, outcome.Result, cancellationToken);
    }

    public async Task<IActionResult> OnPostReceiveAsync(Guid id, CancellationToken cancellationToken)
    {
        var request = new ReceiptRequest(Utc(ReceivedAt), Condition, PackageIntact, ReceiptNotes);
        var outcome = await AfterFactoryApi.ReceiveAsync(id, request, User, db, audit, time, cancellationToken);
        return await AfterAsync(id, outcome.Result, cancellationToken);
    }

    public async Task<IActionResult> OnPostUseAsync(Guid id, CancellationToken cancellationToken)
    {
        var request = new SurgicalUseRequest(SurgeryDate, Surgeon, DeviceCode, Fit, FitNotes, AdverseEvents);
        var outcome = await AfterFactoryApi.RecordUseAsync(id, request, User, db, route, audit, time, cancellationToken);
        return await AfterAsync(id, outcome.Result, cancellationToken);
    }

    public async Task<IActionResult> OnPostFollowUpAsync(Guid id, CancellationToken cancellationToken)
    {
        var request = new FollowUpRequest(PerformedOn, Outcome, Imaging, Complications, string.IsNullOrEmpty(Feedback) ? null : Feedback, FeedbackNotes);
        var outcome = await AfterFactoryApi.RecordFollowUpAsync(id, FollowUpId ?? Guid.Empty, request, User, db, audit, time, cancellationToken);
        return await AfterAsync(id, outcome.Result, cancellationToken);
    }

    public async Task<IActionResult> OnPostCloseReasonAsync(Guid id, CancellationToken cancellationToken)
    {
        var outcome = await AfterFactoryApi.CloseReasonAsync(id, new ClosureRequest(Reason), User, db, audit, time, cancellationToken);
        return await AfterAsync(id, outcome.Result, cancellationToken);
    }

    /// <summary>Success: post/redirect/get. A refusal: the page again with the API's reason, the form as filled.</summary>
    private async Task<IActionResult> AfterAsync(Guid id, IResult result, CancellationToken cancellationToken)
    {
        switch (result)
        {
            case Microsoft.AspNetCore.Http.HttpResults.NotFound:
                return NotFound();
            case ProblemHttpResult problem:
                Error = problem.ProblemDetails.Detail;
                WrongDevice = problem.ProblemDetails.Type == ProblemTypes.WrongDevice;
                break;
            case ValidationProblem invalid:
                Error = string.Join(" ", invalid.ProblemDetails.Errors.SelectMany(e => e.Value));
                break;
            default:
                return RedirectToPage(new { id });
        }

        // The refusal was audited by the handler; re-reading the page for its answer is not another view.
        return await LoadAsync(id, audited: false, cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid id, bool audited, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, User, time, cancellationToken);
        if (order is null)
        {
            return false;
        }

        OrderId = order.Id;
        OrderNumber = order.Number;
        State = order.State.ToString();
        var device = await db.DeviceIdentifiers.AsNoTracking().SingleOrDefaultAsync(d => d.OrderId == id, cancellationToken);
        Device = device is null ? null : DeviceIdentifierView.Of(device);
        var shipment = await db.Shipments.AsNoTracking().SingleOrDefaultAsync(s => s.OrderId == id, cancellationToken);
        Shipment = shipment is null ? null : AfterFactoryApi.ToView(shipment);
        var use = await db.SurgicalUses.AsNoTracking().SingleOrDefaultAsync(u => u.OrderId == id, cancellationToken);
        Use = use is null ? null : AfterFactoryApi.ToView(use);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        FollowUps = [.. (await db.FollowUps.AsNoTracking().Where(f => f.OrderId == id).OrderBy(f => f.Month).ToListAsync(cancellationToken)).Select(f => AfterFactoryApi.ToView(f, today))];
        ClosureReason = await db.FollowUpClosures.AsNoTracking().Where(c => c.OrderId == id).Select(c => c.Reason).SingleOrDefaultAsync(cancellationToken);

        // Which forms to offer; the handlers decide again on every post (same checks as the API).
        var organization = Guid.TryParse(User.FindFirstValue(TrabeculaClaimTypes.OrganizationId), out var org) ? org : Guid.Empty;
        var institution = order.InstitutionId == organization;
        var afterSurgery = order.State is OrderState.Used or OrderState.FollowUp;
        CanShip = order.State == OrderState.Released && Shipment is null && order.ManufacturerId == organization
                  && await policy.AuthorizeAsync(User, order, DataClass.ProductionRecords, DataAction.Upload, cancellationToken);
        CanReceive = order.State == OrderState.Released && Shipment is { ReceivedAt: null } && institution && (User.IsInRole(Roles.Physician) || User.IsInRole(Roles.InstitutionAdmin));
        CanRecordUse = order.State == OrderState.Delivered && Use is null && institution && User.IsInRole(Roles.Physician);
        CanRecordFollowUp = afterSurgery && institution && User.IsInRole(Roles.Physician) && FollowUps.Any(f => f.RecordedBy is null);
        CanClose = afterSurgery && institution && (User.IsInRole(Roles.Physician) || User.IsInRole(Roles.InstitutionAdmin));
        if (audited)
        {
            await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "after-factory", TargetId = order.Number, OrderId = order.Id }, cancellationToken);
        }

        return true;
    }

    private static DateTime? Utc(DateTime? value) => value is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : null;
}
