using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Infrastructure.Errors;

namespace Trabecula.Server.Features.Accounts;

public sealed record MeResponse(
    Guid Id,
    string UserName,
    string LegalName,
    Guid OrganizationId,
    string OrganizationName,
    IReadOnlyList<string> Roles,
    string Status,
    bool TwoFactorEnabled,
    IReadOnlyList<string> SetupRequired);

public sealed record ChangePasswordRequest([property: MaxLength(1024)] string? CurrentPassword, [property: MaxLength(1024)] string? NewPassword);

public sealed record MfaConfirmRequest([property: MaxLength(16)] string? Code);

public sealed record RecoveryCodes(IReadOnlyList<string> Codes);

/// <summary>The signed-in person's own account: who am I, password, second factor, sessions.</summary>
internal static class MeApi
{
    public static RouteGroupBuilder MapMeApi(this IEndpointRouteBuilder endpoints)
    {
        // SignedIn, not Active: a pending account may see itself, and setup is done from here.
        var group = endpoints.MapGroup("/api/me").WithTags("My account").RequireAuthorization(Policies.SignedIn);
        group.MapGet("/", GetAsync).WithName("GetMe").WithSummary("The signed-in account, its organization, roles, status and pending setup.");
        group.MapPost("/password", ChangePasswordAsync).WithName("ChangePassword")
            .WithSummary("Change the password; every session of the account ends, including this one.");
        group.MapPost("/mfa/setup", BeginMfaAsync).WithName("BeginMfa").WithSummary("Start TOTP enrolment: a new secret and its otpauth URI.");
        group.MapPost("/mfa/confirm", ConfirmMfaAsync).WithName("ConfirmMfa")
            .WithSummary("Finish TOTP enrolment with a code from the app; returns ten single-use recovery codes once.");
        group.MapDelete("/sessions", EndAllSessionsAsync).WithName("EndAllSessions").WithSummary("Sign out everywhere.");
        return group;
    }

    private static async Task<Results<Ok<MeResponse>, UnauthorizedHttpResult>> GetAsync(ClaimsPrincipal principal, UserManager<TrabeculaUser> users, TrabeculaDbContext db)
    {
        var user = await users.GetUserAsync(principal);
        if (user is null)
        {
            return TypedResults.Unauthorized();
        }

        var organization = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == user.OrganizationId);
        var roles = await users.GetRolesAsync(user);
        return TypedResults.Ok(new MeResponse(user.Id, user.UserName!, user.LegalName, organization.Id, organization.Name, [.. roles.Order(StringComparer.Ordinal)],
            user.Status.ToString(), user.TwoFactorEnabled, [.. SignInService.SetupSteps(user, roles)]));
    }

    private static async Task<Results<NoContent, ValidationProblem>> ChangePasswordAsync(
        ChangePasswordRequest request,
        HttpContext context,
        SelfService self,
        CancellationToken cancellationToken)
    {
        var errors = await self.ChangePasswordAsync(context, request.CurrentPassword, request.NewPassword, cancellationToken);
        return errors is null ? TypedResults.NoContent() : TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
    }

    private static async Task<Results<Ok<TotpEnrolment>, ProblemHttpResult>> BeginMfaAsync(ClaimsPrincipal principal, UserManager<TrabeculaUser> users, TwoFactorService twoFactor)
    {
        var user = await users.GetUserAsync(principal);
        if (user is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, type: ProblemTypes.Unauthorized);
        }

        if (user.TwoFactorEnabled)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict,
                detail: "A second factor is already enrolled; an administrator resets it if the device is lost.");
        }

        return TypedResults.Ok(await twoFactor.BeginEnrolmentAsync(user));
    }

    private static async Task<Results<Ok<RecoveryCodes>, ValidationProblem>> ConfirmMfaAsync(
        MfaConfirmRequest request,
        HttpContext context,
        SelfService self,
        CancellationToken cancellationToken)
    {
        var codes = await self.ConfirmMfaAsync(context, request.Code, cancellationToken);
        return codes is null
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["code"] = ["The code does not match; check the device's clock and try the next code."] }, type: ProblemTypes.Validation)
            : TypedResults.Ok(new RecoveryCodes(codes));
    }

    private static async Task<NoContent> EndAllSessionsAsync(HttpContext context, SessionRevoker sessions, IAuditLog audit, CancellationToken cancellationToken)
    {
        var userId = Guid.Parse(context.User.FindFirstValue(ClaimTypes.NameIdentifier)!);
        var ended = await sessions.EndAllAsync(userId, cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.SessionsEnded)
        {
            TargetType = "user",
            TargetId = userId.ToString(),
            Details = new Dictionary<string, object?> { ["sessions"] = ended },
        }, cancellationToken);
        await context.SignOutAsync(CookieSchemes.Session);
        return TypedResults.NoContent();
    }
}
