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
using Trabecula.Server.Features.Monitoring;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Orders.Pages;

/// <summary>
/// One order: state, requirements with their revision history and diffs, the institution's
/// confirmation, participants, the timeline, the moves that exist (with who takes them and what
/// they wait for), comments and emergency access. Every form posts to the same service the API uses.
/// </summary>
[Authorize(Policy = Policies.Active)]
public sealed class DetailModel(
    TrabeculaDbContext db,
    IAuditLog audit,
    TimeProvider time,
    TransitionGuards guards,
    EmergencyAccessService emergency,
    AlertService alerts,
    TwoFactorService twoFactor,
    UserManager<TrabeculaUser> users,
    IOptions<OrderOptions> orderOptions,
    IOptions<EmergencyAccessOptions> emergencyOptions,
    Permissions.AccessPolicy policy,
    Infrastructure.Storage.IBlobStore blobs,
    IOptions<PatientData.PatientDataOptions> patientDataOptions,
    IOptions<Uploads.UploadOptions> uploadOptions) : PageModel
{
    /// <summary>The piece size of the page's resumable uploader (wwwroot/js/upload.js).</summary>
    public int UploadChunkBytes => uploadOptions.Value.BrowserChunkBytes;

    public IReadOnlyList<PatientData.DatasetView> Datasets { get; private set; } = [];

    public OrderView? Order { get; private set; }

    public IReadOnlyList<HistoryEntry> History { get; private set; } = [];

    public string? Error { get; private set; }

    public IReadOnlyList<CommentView> Comments { get; private set; } = [];

    public IReadOnlyList<ConfirmationView> Confirmations { get; private set; } = [];

    /// <summary>Every revision, newest first, each with its changes against the one before.</summary>
    public IReadOnlyList<(RequirementView Revision, IReadOnlyList<RequirementChange> Changes)> Revisions { get; private set; } = [];

    public IReadOnlyList<EmergencyGrantView> EmergencyGrants { get; private set; } = [];

    public EmergencyGrantView? MyEmergencyGrant { get; private set; }

    /// <summary>Organization names by id, for the participants panel.</summary>
    public IReadOnlyDictionary<Guid, string> OrganizationNames { get; private set; } = new Dictionary<Guid, string>();

    /// <summary>Candidate organizations per party, for the institution's assignment form.</summary>
    public IReadOnlyDictionary<PartyTypes, IReadOnlyList<(Guid Id, string Name)>> Candidates { get; private set; } =
        new Dictionary<PartyTypes, IReadOnlyList<(Guid Id, string Name)>>();

    public IReadOnlyList<string> Categories => orderOptions.Value.DeviceCategories;

    public int EmergencyMinutes => emergencyOptions.Value.DefaultMinutes;

    /// <summary>True for the institution's physicians and admins: they revise, confirm and assign.</summary>
    public bool IsInstitution { get; private set; }

    public bool RequirementsConfirmedByInstitution { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(Guid id, string? to, string? reason, int? version, CancellationToken cancellationToken) =>
        await AfterAsync(id, (await OrdersApi.TransitionAsync(id, new TransitionRequest(to, reason, version), User, db, audit, time, guards, cancellationToken)).Result, cancellationToken);

    public async Task<IActionResult> OnPostCommentAsync(Guid id, string? body, CancellationToken cancellationToken) =>
        await AfterAsync(id, (await FeedbackApi.AddCommentAsync(id, new CommentRequest(body, null, null, null), User, db, audit, time, cancellationToken)).Result, cancellationToken);

    public async Task<IActionResult> OnPostReviseAsync(Guid id, [FromForm] RevisionForm revision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revision);
        var input = new RequirementInput(revision.DeviceCategory, revision.AnatomicalSite, revision.Indication, revision.ClinicalRequirement, revision.PlannedSurgeryDate, revision.Urgency, revision.Reason);
        return await AfterAsync(id, (await OrdersApi.ReviseAsync(id, input, User, db, audit, orderOptions, time, guards, cancellationToken)).Result, cancellationToken);
    }

    public async Task<IActionResult> OnPostConfirmAsync(Guid id, int version, CancellationToken cancellationToken) =>
        await AfterAsync(id, (await FeedbackApi.ConfirmAsync(id, new ConfirmationRequest("requirements", version, null), User, db, audit, time, cancellationToken)).Result, cancellationToken);

    public async Task<IActionResult> OnPostAssignAsync(Guid id, Guid? designerId, Guid? manufacturerId, Guid? registrantId, int? version, CancellationToken cancellationToken) =>
        await AfterAsync(id, (await OrdersApi.AssignAsync(id, new ParticipantsRequest(designerId, manufacturerId, registrantId, version), User, db, audit, time, guards, cancellationToken)).Result, cancellationToken);

    public async Task<IActionResult> OnPostEmergencyAsync(Guid id, string? emergencyReason, string? totpCode, CancellationToken cancellationToken) =>
        await AfterAsync(id, (await EmergencyAccessApi.OpenAsync(id, new EmergencyAccessRequest(emergencyReason, totpCode, null), User, db, audit, alerts, twoFactor, users, emergencyOptions, time, cancellationToken)).Result, cancellationToken);

    public async Task<IActionResult> OnPostEndEmergencyAsync(Guid id, Guid grantId, CancellationToken cancellationToken) =>
        await AfterAsync(id, (await EmergencyAccessApi.EndAsync(id, grantId, User, db, audit, time, cancellationToken)).Result, cancellationToken);

    public async Task<IActionResult> OnPostDatasetAsync(Guid id, string? kind, string? description, CancellationToken cancellationToken) =>
        await AfterAsync(id, (await PatientData.PatientDataApi.CreateAsync(id, new PatientData.DatasetRequest(kind, description), User, db, policy, audit, time, cancellationToken)).Result, cancellationToken);

    public async Task<IActionResult> OnPostConfirmDatasetAsync(Guid id, Guid datasetId, [FromServices] PatientData.DerivativeMaker derivatives, CancellationToken cancellationToken) =>
        await AfterAsync(id, (await PatientData.PatientDataApi.ConfirmAsync(id, datasetId, User, db, audit, derivatives, blobs, time, cancellationToken)).Result, cancellationToken);

    /// <summary>Files chosen in the browser, stored one by one exactly as the API stores them; the first refusal is shown.</summary>
    public async Task<IActionResult> OnPostUploadAsync(Guid id, Guid datasetId, List<IFormFile> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        var (order, dataset) = await PatientData.PatientDataApi.FindDatasetAsync(db, id, datasetId, User, time, cancellationToken);
        if (order is null || dataset is null)
        {
            return NotFound();
        }

        foreach (var file in files)
        {
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, cancellationToken);
            var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
            if (dataset.Kind != PatientData.DatasetKind.MedicalImaging)
            {
                // Optical captures and model scans: every chosen file must be a scan or a photo.
                var scan = (await PatientData.ScanFilesApi.StoreBytesAsync(order, dataset, bytes, file.FileName, User, db, policy, blobs, audit, time, cancellationToken)).Result;
                if (scan is ProblemHttpResult refused)
                {
                    Error = $"{file.FileName}: {refused.ProblemDetails.Detail}";
                    return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
                }

                continue;
            }

            if (!Trabecula.Dicom.DicomFileSniffer.IsPart10(bytes.Span))
            {
                continue; // a chosen folder also holds DICOMDIR, viewers, READMEs
            }

            var result = (await PatientData.PatientDataApi.StoreAsync(order, dataset, bytes, User, db, policy, blobs, audit, time, cancellationToken)).Result;
            if (result is ProblemHttpResult problem)
            {
                Error = $"{file.FileName}: {problem.ProblemDetails.Detail}";
                return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
            }
        }

        return Redirect($"/orders/{id}");
    }

    public async Task<IActionResult> OnPostAcquisitionAsync(Guid id, Guid datasetId, string? manufacturer, string? model, string? serialNumber,
        double? resolutionMm, double? accuracyMm, DateTime? acquiredAt, CancellationToken cancellationToken)
    {
        var request = new PatientData.AcquisitionRequest(manufacturer, model, serialNumber, resolutionMm, accuracyMm,
            acquiredAt is { } at ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : null);
        var result = await PatientData.ScanFilesApi.RecordAcquisitionAsync(id, datasetId, request, User, db, policy, audit, time, cancellationToken);
        return await AfterAsync(id, result.Result, cancellationToken);
    }

    /// <summary>Success: back to the order (post/redirect/get). A problem: the page again with its message.</summary>
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
                return Redirect($"/orders/{id}");
        }

        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        if ((await OrdersApi.GetAsync(id, User, db, audit, guards, time, emergency, cancellationToken)).Result is not Ok<OrderView> found)
        {
            return false;
        }

        var order = found.Value!;
        Order = order;
        History = ((Ok<List<HistoryEntry>>)(await OrdersApi.HistoryAsync(id, User, db, time, cancellationToken)).Result).Value!;
        Comments = ((Ok<List<CommentView>>)(await FeedbackApi.ListCommentsAsync(id, User, db, time, cancellationToken)).Result).Value!;
        Confirmations = ((Ok<List<ConfirmationView>>)(await FeedbackApi.ListConfirmationsAsync(id, User, db, time, cancellationToken)).Result).Value!;
        var revisions = ((Ok<List<RequirementView>>)(await OrdersApi.RevisionsAsync(id, User, db, time, cancellationToken)).Result).Value!;
        Revisions = [.. revisions.Select((r, i) => (r, i + 1 < revisions.Count ? RequirementDiff.Compare(revisions[i + 1], r) : (IReadOnlyList<RequirementChange>)[]))];
        Datasets = ((Ok<List<PatientData.DatasetView>>)(await PatientData.PatientDataApi.ListAsync(id, User, db, audit, patientDataOptions, time, cancellationToken)).Result).Value!;
        EmergencyGrants = ((Ok<List<EmergencyGrantView>>)(await EmergencyAccessApi.ListForOrderAsync(id, User, db, time, cancellationToken)).Result).Value!;
        MyEmergencyGrant = EmergencyGrants.FirstOrDefault(g => g.Active && g.Holder == User.Identity?.Name);

        var org = Guid.Parse(User.FindFirst(TrabeculaClaimTypes.OrganizationId)!.Value);
        IsInstitution = order.InstitutionId == org && (User.IsInRole(Roles.Physician) || User.IsInRole(Roles.InstitutionAdmin));
        RequirementsConfirmedByInstitution = await RequirementsConfirmedGuard.IsConfirmedAsync(db, id, order.InstitutionId, order.Requirement.Revision, cancellationToken);

        var ids = new[] { order.InstitutionId, order.DesignerId, order.ManufacturerId, order.RegistrantId }.OfType<Guid>().ToList();
        var organizations = await db.Organizations.AsNoTracking()
            .Where(o => ids.Contains(o.Id) || (IsInstitution && o.PartyTypes != PartyTypes.None))
            .Select(o => new { o.Id, o.Name, o.PartyTypes })
            .ToListAsync(cancellationToken);
        OrganizationNames = organizations.ToDictionary(o => o.Id, o => o.Name);
        if (IsInstitution)
        {
            Candidates = new[] { PartyTypes.Designer, PartyTypes.Manufacturer, PartyTypes.MarketingAuthorizationHolder }.ToDictionary(
                p => p,
                p => (IReadOnlyList<(Guid, string)>)[.. organizations.Where(o => (o.PartyTypes & p) == p).OrderBy(o => o.Name, StringComparer.Ordinal).Select(o => (o.Id, o.Name))]);
        }

        return true;
    }
}

/// <summary>The revise form's fields (MVC binds a mutable class; the API's record carries the limits).</summary>
public sealed class RevisionForm
{
    public string? DeviceCategory { get; set; }

    public string? AnatomicalSite { get; set; }

    public string? Indication { get; set; }

    public string? ClinicalRequirement { get; set; }

    public DateOnly? PlannedSurgeryDate { get; set; }

    public string? Urgency { get; set; }

    public string? Reason { get; set; }
}
