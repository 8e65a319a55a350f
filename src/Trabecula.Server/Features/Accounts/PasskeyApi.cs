using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Infrastructure.Errors;

namespace Trabecula.Server.Features.Accounts;

public sealed record PasskeyOptionsRequest(string? UserName);

/// <summary>
/// Passkey endpoints: a signed-in person registers one (it satisfies the second-factor duty), and
/// anyone signs in with one. The browser side is wwwroot/js/passkeys.js.
/// </summary>
internal static class PasskeyApi
{
    public static void MapPasskeyApi(this IEndpointRouteBuilder endpoints)
    {
        var me = endpoints.MapGroup("/api/me/passkeys").WithTags("My account").RequireAuthorization(Policies.SignedIn);
        me.MapPost("/options", BeginRegistrationAsync).WithName("BeginPasskeyRegistration")
            .WithSummary("WebAuthn creation options (PublicKeyCredentialCreationOptionsJSON) for navigator.credentials.create().");
        me.MapPost("/", CompleteRegistrationAsync).WithName("RegisterPasskey")
            .WithSummary("Store the passkey from the browser's registration response; it counts as the second factor.");

        var auth = endpoints.MapGroup("/api/auth/passkey").WithTags("Authentication").AllowAnonymous()
            .RequireRateLimiting(AccountsExtensions.SignInRateLimit).WithMetadata(new SkipApiAntiforgeryAttribute());
        auth.MapPost("/options", BeginSignInAsync).WithName("BeginPasskeySignIn")
            .WithSummary("WebAuthn request options for navigator.credentials.get(); the user name is optional (discoverable credentials).");
        auth.MapPost("/login", SignInAsync).WithName("PasskeySignIn").WithSummary("Sign in with the browser's authentication response.");
    }

    private static async Task<IResult> BeginRegistrationAsync(HttpContext context, UserManager<TrabeculaUser> users, PasskeyService passkeys)
    {
        var user = await users.GetUserAsync(context.User);
        return user is null
            ? TypedResults.Unauthorized()
            : TypedResults.Content(await passkeys.BeginRegistrationAsync(context, user), "application/json");
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CompleteRegistrationAsync(
        JsonElement credential, HttpContext context, UserManager<TrabeculaUser> users, PasskeyService passkeys, SelfService self, IAuditLog audit, CancellationToken cancellationToken)
    {
        var user = await users.GetUserAsync(context.User);
        if (user is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, type: ProblemTypes.Unauthorized);
        }

        var error = await passkeys.CompleteRegistrationAsync(context, user, credential.GetRawText());
        if (error is not null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, type: ProblemTypes.Validation, detail: error);
        }

        await users.SetTwoFactorEnabledAsync(user, true);
        await audit.RecordAsync(new AuditEvent(AuditAction.MfaEnrolled)
        {
            TargetType = "user",
            TargetId = user.Id.ToString(),
            Details = new Dictionary<string, object?> { ["method"] = "passkey" },
        }, cancellationToken);
        await self.SignInAsync(context, user, "passkey-registration", cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> BeginSignInAsync(PasskeyOptionsRequest? request, HttpContext context, UserManager<TrabeculaUser> users, PasskeyService passkeys)
    {
        // An unknown user name gets options for discoverable credentials, like no name at all:
        // the answer does not tell whether the account exists.
        var user = request?.UserName is { Length: > 0 and <= 256 } name ? await users.FindByNameAsync(name.Trim()) : null;
        return TypedResults.Content(await passkeys.BeginSignInAsync(context, user), "application/json");
    }

    private static async Task<Results<Ok<SessionInfo>, ProblemHttpResult>> SignInAsync(
        JsonElement credential,
        HttpContext context,
        PasskeyService passkeys,
        SelfService self,
        IAuditLog audit,
        IOptions<SessionOptions> sessions,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var user = await passkeys.CompleteSignInAsync(context, credential.GetRawText());
        if (user is null || user.LockoutEnd > time.GetUtcNow())
        {
            await audit.RecordAsync(new AuditEvent(AuditAction.SignInFailed, AuditOutcome.Failed)
            {
                Actor = user is null ? new AuditActor(AuditActorType.Anonymous, null, null) : SignInService.ActorOf(user),
                TargetType = "user",
                TargetId = user?.Id.ToString(),
                Details = new Dictionary<string, object?> { ["reason"] = user is null ? "passkey-rejected" : "locked" },
            }, cancellationToken);
            return AuthApi.SignInFailed();
        }

        var principal = await self.SignInAsync(context, user, "passkey", cancellationToken);
        return TypedResults.Ok(new SessionInfo(
            user.UserName!,
            user.Status.ToString(),
            [.. principal.FindAll(Infrastructure.Security.TrabeculaClaimTypes.SetupRequired).Select(c => c.Value)],
            time.GetUtcNow() + sessions.Value.AbsoluteLifetime));
    }
}
