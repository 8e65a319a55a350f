using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Permissions;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Designs.Pages;

/// <summary>The confirmed patient data beside the design: datasets, instances, series, until when it is valid.</summary>
public sealed record PatientDataSummary(int Datasets, int Confirmed, int Instances, int Series, DateTime? ValidUntil);

/// <summary>
/// The design review of one order: the 3D viewer with section plane, measurement, pins and version
/// comparison; the mesh reports and the patient data summary beside it; the designer's upload,
/// submit, change and release; the physician's signature; every signature with its status. Every
/// form posts to the same handlers the API uses.
/// </summary>
[Authorize(Policy = Policies.Active)]
public sealed class ReviewModel(
    TrabeculaDbContext db,
    AccessPolicy policy,
    DesignApprovals approvals,
    DesignSigner signer,
    SignInService signIn,
    UserManager<TrabeculaUser> users,
    IBlobStore blobs,
    IAuditLog audit,
    TimeProvider time,
    TransitionGuards guards,
    IOptions<DesignOptions> options) : PageModel
{
    public Order? Order { get; private set; }

    public DesignOverview? Overview { get; private set; }

    public PatientDataSummary? PatientData { get; private set; }

    public string? Error { get; private set; }

    public string KeyId => signer.KeyId;

    public bool IsPhysician => Order is not null && User.IsInRole(Roles.Physician) && Order.InstitutionId.ToString() == User.FindFirst(Infrastructure.Security.TrabeculaClaimTypes.OrganizationId)?.Value;

    public bool IsDesigner => Order is not null && User.IsInRole(Roles.Designer) && Order.DesignerId?.ToString() == User.FindFirst(Infrastructure.Security.TrabeculaClaimTypes.OrganizationId)?.Value;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostUploadAsync(Guid id, CancellationToken cancellationToken)
    {
        var result = await DesignsApi.UploadAsync(id, Request, User, db, policy, blobs, audit, time, cancellationToken);
        return await AfterAsync(id, result.Result, cancellationToken);
    }

    public async Task<IActionResult> OnPostSubmitAsync(Guid id, Guid versionId, CancellationToken cancellationToken)
    {
        var result = await DesignsApi.SubmitAsync(id, versionId, User, db, policy, audit, time, guards, options, cancellationToken);
        return await AfterAsync(id, result.Result, cancellationToken);
    }

    public async Task<IActionResult> OnPostSignAsync(Guid id, Guid? versionId, string? meaning, string? reason, string? password, string? totpCode, CancellationToken cancellationToken)
    {
        var result = await DesignsApi.SignAsync(id, new SignRequest(versionId, meaning, reason, password, totpCode), User, db, policy, approvals, signer, signIn, users, blobs, audit, time, guards, cancellationToken);
        return await AfterAsync(id, result.Result, cancellationToken);
    }

    public async Task<IActionResult> OnPostChangeAsync(Guid id, string? whatChanged, string? why, string? evidence, CancellationToken cancellationToken)
    {
        var result = await DesignsApi.ChangeAsync(id, new ChangeRequest(whatChanged, why, evidence), User, db, audit, time, guards, cancellationToken);
        return await AfterAsync(id, result.Result, cancellationToken);
    }

    public async Task<IActionResult> OnPostReleaseAsync(Guid id, CancellationToken cancellationToken)
    {
        var result = await DesignsApi.ReleaseAsync(id, User, db, policy, approvals, signer, blobs, audit, time, cancellationToken);
        return await AfterAsync(id, result.Result, cancellationToken);
    }

    /// <summary>Success: back to the page (post/redirect/get). A refusal: the page again with the reason.</summary>
    private async Task<IActionResult> AfterAsync(Guid id, IResult result, CancellationToken cancellationToken)
    {
        switch (result)
        {
            case Microsoft.AspNetCore.Http.HttpResults.NotFound:
                return NotFound();
            case ProblemHttpResult problem:
                Error = problem.ProblemDetails.Detail;
                break;
            case ValidationProblem validation:
                Error = string.Join(" ", validation.ProblemDetails.Errors.SelectMany(e => e.Value));
                break;
            default:
                return RedirectToPage(new { id });
        }

        db.ChangeTracker.Clear();
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        Order = await OrdersApi.FindForCallerAsync(db, id, User, time, cancellationToken);
        if (Order is null)
        {
            return false;
        }

        Overview = await DesignsApi.BuildOverviewAsync(Order, User, db, policy, approvals, time, cancellationToken);
        var datasets = await db.PatientDatasets.AsNoTracking().Where(d => d.OrderId == id).Select(d => new { d.Id, d.ConfirmedAt }).ToListAsync(cancellationToken);
        var instances = await db.DicomInstances.AsNoTracking().Where(i => i.OrderId == id).Select(i => i.SeriesInstanceUid).ToListAsync(cancellationToken);
        PatientData = new PatientDataSummary(datasets.Count, datasets.Count(d => d.ConfirmedAt != null), instances.Count, instances.Distinct(StringComparer.Ordinal).Count(), Overview.PatientDataValidUntil);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "design-review-page", TargetId = Order.Number, OrderId = Order.Id }, cancellationToken);
        return true;
    }
}
