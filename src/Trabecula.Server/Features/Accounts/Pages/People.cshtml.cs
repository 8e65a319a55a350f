using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Accounts.Pages;

public sealed class InviteForm
{
    public string? UserName { get; set; }

    public string? LegalName { get; set; }

    public string? IdentityDocumentNumber { get; set; }

    public string? MobileNumber { get; set; }

    public string? PractitionerLicenceNumber { get; set; }

    public string? Role { get; set; }
}

/// <summary>
/// An administrator's people page for their own organization: invite, verify real names
/// (R-AUTH-1), disable. The same rules as the API, through the same <see cref="UsersApi.AdminContext"/>.
/// </summary>
[Authorize(Policy = Policies.OrganizationAdmin)]
public sealed class PeopleModel(UsersApi.AdminContext admin) : PageModel
{
    [BindProperty]
    public InviteForm Invite { get; set; } = new();

    public IReadOnlyList<UserResponse> People { get; private set; } = [];

    public string OrganizationName => User.FindFirstValue(TrabeculaClaimTypes.OrganizationName) ?? "";

    public Guid CurrentUserId => Guid.Parse(User.FindFirstValue(ClaimTypes.NameIdentifier)!);

    public IReadOnlyList<string> AssignableRoles => User.IsInRole(Roles.PlatformAdmin)
        ? [Roles.PlatformAdmin, Roles.SecurityAdmin, Roles.Auditor, Roles.OrgAdmin]
        : [.. Roles.All.Except([Roles.PlatformAdmin, Roles.SecurityAdmin, Roles.Auditor])];

    public string? Message { get; private set; }

    public string? OneTimePassword { get; private set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    private Guid OrganizationId => Guid.Parse(User.FindFirstValue(TrabeculaClaimTypes.OrganizationId)!);

    public async Task OnGetAsync(CancellationToken cancellationToken) => People = await admin.ListAsync(OrganizationId, cancellationToken);

    public async Task<IActionResult> OnPostInviteAsync(CancellationToken cancellationToken)
    {
        var result = await admin.InviteAsync(User, OrganizationId, new InviteUserRequest(
            Invite.UserName, Invite.LegalName, Invite.IdentityDocumentNumber, Invite.MobileNumber, Invite.PractitionerLicenceNumber,
            Invite.Role is null ? [] : [Invite.Role]), cancellationToken);
        switch (result.Result)
        {
            case Created<InvitedUser> created:
                OneTimePassword = created.Value!.OneTimePassword;
                Message = created.Value.User.UserName;
                break;
            case ValidationProblem invalid:
                Errors = [.. invalid.ProblemDetails.Errors.SelectMany(e => e.Value)];
                break;
            case ProblemHttpResult problem:
                Errors = [problem.ProblemDetails.Detail ?? "Refused."];
                break;
        }

        await OnGetAsync(cancellationToken);
        return Page();
    }

    public Task<IActionResult> OnPostApproveAsync(Guid userId, CancellationToken cancellationToken) => SetStatusAsync(userId, AccountStatus.Active, AuditAction.UserApproved, cancellationToken);

    public Task<IActionResult> OnPostRejectAsync(Guid userId, CancellationToken cancellationToken) => SetStatusAsync(userId, AccountStatus.Rejected, AuditAction.UserRejected, cancellationToken);

    public Task<IActionResult> OnPostDisableAsync(Guid userId, CancellationToken cancellationToken) => SetStatusAsync(userId, AccountStatus.Disabled, AuditAction.UserDisabled, cancellationToken);

    private async Task<IActionResult> SetStatusAsync(Guid userId, AccountStatus status, AuditAction action, CancellationToken cancellationToken)
    {
        var result = await admin.SetStatusAsync(HttpContext, userId, status, action, cancellationToken);
        if (result.Result is NotFound)
        {
            return NotFound();
        }

        return RedirectToPage();
    }
}
