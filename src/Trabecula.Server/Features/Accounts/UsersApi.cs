using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Keys;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Accounts;

public sealed record InviteUserRequest(
    [property: Required, MaxLength(64)] string? UserName,
    [property: Required, MaxLength(100)] string? LegalName,
    [property: Required, MaxLength(32)] string? IdentityDocumentNumber,
    [property: Required, MaxLength(32)] string? MobileNumber,
    [property: MaxLength(64)] string? PractitionerLicenceNumber,
    IReadOnlyList<string>? Roles);

public sealed record UserResponse(
    Guid Id,
    string UserName,
    string LegalName,
    Guid OrganizationId,
    string Status,
    IReadOnlyList<string> Roles,
    string IdentityDocumentNumberMasked,
    string? MobileNumber,
    string? PractitionerLicenceNumber,
    bool TwoFactorEnabled,
    DateTime? VerifiedAt);

public sealed record InvitedUser(UserResponse User, string OneTimePassword);

public sealed record RolesRequest(IReadOnlyList<string>? Roles);

/// <summary>
/// People administration: org admins invite users into their organization; an admin verifies the
/// real name (R-AUTH-1); roles respect separation of duties (MLPS 三权分立): the system
/// administrator, security administrator and auditor are three different people of the platform
/// operator, and only a platform administrator grants those roles.
/// </summary>
public static class UsersApi
{
    private static readonly HashSet<string> PlatformRoles = [Roles.PlatformAdmin, Roles.SecurityAdmin, Roles.Auditor];

    public static RouteGroupBuilder MapUsersApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api").WithTags("Users").RequireAuthorization(Policies.OrganizationAdmin);
        group.MapGet("/organizations/{organizationId:guid}/users", ListAsync).WithName("ListUsers").WithSummary("Users of an organization, identity numbers masked.");
        group.MapPost("/organizations/{organizationId:guid}/users", InviteAsync).WithName("InviteUser")
            .WithSummary("Create a pending account with a one-time password (shown once); it can act after real-name approval.");
        group.MapPost("/users/{userId:guid}/approve", (Guid userId, HttpContext http, AdminContext admin, CancellationToken ct) => admin.SetStatusAsync(http, userId, AccountStatus.Active, AuditAction.UserApproved, ct))
            .WithName("ApproveUser").WithSummary("Approve the real-name verification (R-AUTH-1).");
        group.MapPost("/users/{userId:guid}/reject", (Guid userId, HttpContext http, AdminContext admin, CancellationToken ct) => admin.SetStatusAsync(http, userId, AccountStatus.Rejected, AuditAction.UserRejected, ct))
            .WithName("RejectUser").WithSummary("Reject the real-name verification.");
        group.MapPost("/users/{userId:guid}/disable", (Guid userId, HttpContext http, AdminContext admin, CancellationToken ct) => admin.SetStatusAsync(http, userId, AccountStatus.Disabled, AuditAction.UserDisabled, ct))
            .WithName("DisableUser").WithSummary("Disable the account and end all its sessions.");
        group.MapPost("/users/{userId:guid}/enable", (Guid userId, HttpContext http, AdminContext admin, CancellationToken ct) => admin.SetStatusAsync(http, userId, AccountStatus.Active, AuditAction.UserEnabled, ct))
            .WithName("EnableUser").WithSummary("Enable a disabled account.");
        group.MapPost("/users/{userId:guid}/end-sessions", EndSessionsAsync).WithName("EndUserSessions")
            .WithSummary("End every session of the account at once (a lost laptop, a suspected compromise).");
        group.MapPut("/users/{userId:guid}/roles", SetRolesAsync).WithName("SetUserRoles").WithSummary("Replace the account's roles; its sessions end.");
        return group;
    }

    private static async Task<Results<Ok<List<UserResponse>>, NotFound>> ListAsync(Guid organizationId, ClaimsPrincipal principal, AdminContext admin, CancellationToken cancellationToken)
    {
        if (!AdminContext.MayAdminister(principal, organizationId))
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(await admin.ListAsync(organizationId, cancellationToken));
    }

    private static async Task<Results<Created<InvitedUser>, ValidationProblem, NotFound, ProblemHttpResult>> InviteAsync(
        Guid organizationId, InviteUserRequest request, HttpContext http, AdminContext admin, CancellationToken cancellationToken)
    {
        if (!AdminContext.MayAdminister(http.User, organizationId))
        {
            return TypedResults.NotFound();
        }

        return await admin.InviteAsync(http.User, organizationId, request, cancellationToken);
    }

    private static async Task<Results<NoContent, NotFound>> EndSessionsAsync(
        Guid userId, ClaimsPrincipal principal, UserManager<TrabeculaUser> users, SessionRevoker sessions, IAuditLog audit, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null || !AdminContext.MayAdminister(principal, user.OrganizationId))
        {
            return TypedResults.NotFound();
        }

        var ended = await sessions.EndAllAsync(user.Id, cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.SessionsEnded)
        {
            TargetType = "user",
            TargetId = user.Id.ToString(),
            Details = new Dictionary<string, object?> { ["sessions"] = ended, ["byAdministrator"] = true },
        }, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<UserResponse>, ValidationProblem, NotFound, ProblemHttpResult>> SetRolesAsync(
        Guid userId, RolesRequest request, HttpContext http, AdminContext admin, CancellationToken cancellationToken) =>
        await admin.SetRolesAsync(http.User, userId, request.Roles ?? [], cancellationToken);

    /// <summary>The administrative operations, with the scoping rules in one place.</summary>
    public sealed class AdminContext(
        TrabeculaDbContext db,
        UserManager<TrabeculaUser> users,
        SessionRevoker sessions,
        IAuditLog audit,
        TimeProvider time)
    {

        /// <summary>A platform administrator administers every organization; an org admin only their own.</summary>
        public static bool MayAdminister(ClaimsPrincipal principal, Guid organizationId) =>
            principal.IsInRole(Roles.PlatformAdmin)
            || principal.FindFirstValue(TrabeculaClaimTypes.OrganizationId) == organizationId.ToString();

        public async Task<List<UserResponse>> ListAsync(Guid organizationId, CancellationToken cancellationToken)
        {
            var members = await db.Users.AsNoTracking().Where(u => u.OrganizationId == organizationId).OrderBy(u => u.UserName).Take(1000).ToListAsync(cancellationToken);
            var result = new List<UserResponse>(members.Count);
            foreach (var member in members)
            {
                result.Add(await ToResponseAsync(member));
            }

            return result;
        }

        public async Task<Results<Created<InvitedUser>, ValidationProblem, NotFound, ProblemHttpResult>> InviteAsync(
            ClaimsPrincipal principal, Guid organizationId, InviteUserRequest request, CancellationToken cancellationToken)
        {
            var organization = await db.Organizations.SingleOrDefaultAsync(o => o.Id == organizationId, cancellationToken);
            if (organization is null)
            {
                return TypedResults.NotFound();
            }

            var roles = request.Roles ?? [];
            var errors = RoleErrors(principal, organization, roles);
            if (string.IsNullOrWhiteSpace(request.LegalName))
            {
                errors["legalName"] = ["The legal name is required for real-name verification."];
            }

            if (string.IsNullOrWhiteSpace(request.IdentityDocumentNumber) || request.IdentityDocumentNumber.Trim().Length < 8)
            {
                errors["identityDocumentNumber"] = ["The identity-document number is required."];
            }

            if (string.IsNullOrWhiteSpace(request.MobileNumber) || !request.MobileNumber.Trim().All(c => char.IsAsciiDigit(c) || c == '+' || c == '-'))
            {
                errors["mobileNumber"] = ["A mobile number (digits, '+' and '-') is required."];
            }

            if (roles.Contains(Roles.Physician) && string.IsNullOrWhiteSpace(request.PractitionerLicenceNumber))
            {
                errors["practitionerLicenceNumber"] = ["A physician needs a practitioner licence number."];
            }

            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
            }

            var user = new TrabeculaUser
            {
                Id = Guid.CreateVersion7(time.GetUtcNow()),
                UserName = request.UserName?.Trim(),
                OrganizationId = organizationId,
                LegalName = request.LegalName!.Trim(),
                IdentityDocumentNumber = request.IdentityDocumentNumber!.Trim(),
                MobileNumber = request.MobileNumber!.Trim(),
                PractitionerLicenceNumber = request.PractitionerLicenceNumber?.Trim(),
                Status = AccountStatus.Pending,
                MustChangePassword = true,
                LockoutEnabled = true,
                CreatedAt = time.GetUtcNow().UtcDateTime,
            };
            var password = OneTimePasswords.New();
            var created = await users.CreateAsync(user, password);
            if (!created.Succeeded)
            {
                var duplicate = created.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.DuplicateUserName));
                return duplicate
                    ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: "The user name is taken.")
                    : TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["userName"] = [.. created.Errors.Select(e => e.Description)] }, type: ProblemTypes.Validation);
            }

            await users.AddToRolesAsync(user, roles);
            await audit.RecordAsync(new AuditEvent(AuditAction.UserInvited)
            {
                TargetType = "user",
                TargetId = user.Id.ToString(),
                Details = new Dictionary<string, object?> { ["organizationId"] = organizationId, ["roles"] = string.Join(",", roles) },
            }, cancellationToken);
            return TypedResults.Created($"/api/users/{user.Id}", new InvitedUser(await ToResponseAsync(user), password));
        }

        public async Task<Results<Ok<UserResponse>, NotFound, ProblemHttpResult>> SetStatusAsync(
            HttpContext http, Guid userId, AccountStatus status, AuditAction action, CancellationToken cancellationToken)
        {
            var user = await users.FindByIdAsync(userId.ToString());
            if (user is null || !MayAdminister(http.User, user.OrganizationId))
            {
                return TypedResults.NotFound();
            }

            if (user.Id.ToString() == http.User.FindFirstValue(ClaimTypes.NameIdentifier))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden,
                    detail: "Nobody approves, rejects or disables their own account.");
            }

            user.Status = status;
            if (action is AuditAction.UserApproved or AuditAction.UserRejected)
            {
                user.VerifiedAt = time.GetUtcNow().UtcDateTime;
                user.VerifiedBy = Guid.Parse(http.User.FindFirstValue(ClaimTypes.NameIdentifier)!);
            }

            await users.UpdateAsync(user);
            await users.UpdateSecurityStampAsync(user);

            // The status travels in the session's claims: end the sessions so the next request sees it.
            var ended = await sessions.EndAllAsync(user.Id, cancellationToken);
            await audit.RecordAsync(new AuditEvent(action)
            {
                TargetType = "user",
                TargetId = user.Id.ToString(),
                Details = new Dictionary<string, object?> { ["status"] = status.ToString(), ["sessionsEnded"] = ended },
            }, cancellationToken);
            return TypedResults.Ok(await ToResponseAsync(user));
        }

        public async Task<Results<Ok<UserResponse>, ValidationProblem, NotFound, ProblemHttpResult>> SetRolesAsync(
            ClaimsPrincipal principal, Guid userId, IReadOnlyList<string> roles, CancellationToken cancellationToken)
        {
            var user = await users.FindByIdAsync(userId.ToString());
            if (user is null || !MayAdminister(principal, user.OrganizationId))
            {
                return TypedResults.NotFound();
            }

            var organization = await db.Organizations.SingleAsync(o => o.Id == user.OrganizationId, cancellationToken);
            var errors = RoleErrors(principal, organization, roles);
            if (errors.Count > 0)
            {
                return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
            }

            var current = await users.GetRolesAsync(user);
            await users.RemoveFromRolesAsync(user, current.Except(roles));
            await users.AddToRolesAsync(user, roles.Except(current));
            await sessions.EndAllAsync(user.Id, cancellationToken);
            await audit.RecordAsync(new AuditEvent(AuditAction.RoleChanged)
            {
                TargetType = "user",
                TargetId = user.Id.ToString(),
                Details = new Dictionary<string, object?> { ["from"] = string.Join(",", current.Order(StringComparer.Ordinal)), ["to"] = string.Join(",", roles.Order(StringComparer.Ordinal)) },
            }, cancellationToken);
            return TypedResults.Ok(await ToResponseAsync(user));
        }

        private static Dictionary<string, string[]> RoleErrors(ClaimsPrincipal principal, Organization organization, IReadOnlyList<string> roles)
        {
            var errors = new Dictionary<string, string[]>();
            var unknown = roles.Where(r => !Roles.All.Contains(r, StringComparer.Ordinal)).ToList();
            if (roles.Count == 0)
            {
                errors["roles"] = ["At least one role is required."];
            }
            else if (unknown.Count > 0)
            {
                errors["roles"] = [$"Unknown role(s): {string.Join(", ", unknown)}."];
            }
            else if (roles.Count(PlatformRoles.Contains) > 1)
            {
                errors["roles"] = ["System administrator, security administrator and auditor are separate duties held by different people (三权分立)."];
            }
            else if (roles.Any(PlatformRoles.Contains) && (!organization.Has(PartyTypes.PlatformOperator) || !principal.IsInRole(Roles.PlatformAdmin)))
            {
                errors["roles"] = ["Platform roles belong to the platform operator and only a platform administrator grants them."];
            }
            else if (roles.Any(PlatformRoles.Contains) && roles.Any(r => !PlatformRoles.Contains(r)))
            {
                errors["roles"] = ["A platform role is not combined with organization roles."];
            }
            else if (roles.Any(r => r is Roles.Physician or Roles.InstitutionAdmin) && !organization.Has(PartyTypes.MedicalInstitution))
            {
                errors["roles"] = ["Physicians and institution administrators belong to a medical institution."];
            }

            return errors;
        }

        private async Task<UserResponse> ToResponseAsync(TrabeculaUser user) => new(
            user.Id,
            user.UserName!,
            user.LegalName,
            user.OrganizationId,
            user.Status.ToString(),
            [.. (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal)],
            FieldProtector.Mask(user.IdentityDocumentNumber),
            user.MobileNumber,
            user.PractitionerLicenceNumber,
            user.TwoFactorEnabled,
            user.VerifiedAt);
    }
}
