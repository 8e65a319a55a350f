using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Accounts;

public sealed record LoginRequest(
    [property: MaxLength(256)] string? UserName,
    [property: MaxLength(1024)] string? Password,
    [property: MaxLength(16)] string? TotpCode,
    [property: MaxLength(32)] string? RecoveryCode);

public sealed record SessionInfo(string UserName, string Status, IReadOnlyList<string> SetupRequired, DateTimeOffset ExpiresAt);

public sealed record AntiforgeryToken(string HeaderName, string Token);

/// <summary>
/// The JSON sign-in API for scripts and tests (the browser uses the sign-in page; both end in the
/// same session cookie). Unknown user, wrong password and locked account get one identical answer.
/// </summary>
internal static class AuthApi
{
    public const string SignInFailedType = "urn:trabecula:problem:sign-in-failed";
    public const string SecondFactorRequiredType = "urn:trabecula:problem:second-factor-required";

    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/auth").WithTags("Authentication");
        group.MapPost("/login", LoginAsync)
            .WithName("Login")
            .WithSummary("Sign in with user name, password and, when enrolled, a TOTP or recovery code; sets the session cookie.")
            .AllowAnonymous()
            .RequireRateLimiting(AccountsExtensions.SignInRateLimit)
            .WithMetadata(new SkipApiAntiforgeryAttribute());
        group.MapPost("/logout", LogoutAsync)
            .WithName("Logout")
            .WithSummary("End this session.")
            .RequireAuthorization(Policies.SignedIn);
        group.MapGet("/antiforgery", GetAntiforgery)
            .WithName("GetAntiforgeryToken")
            .WithSummary("The token to send as X-CSRF-TOKEN with state-changing API calls made with the session cookie.")
            .RequireAuthorization(Policies.SignedIn);
        return group;
    }

    public static async Task<Results<Ok<SessionInfo>, ProblemHttpResult>> LoginAsync(
        LoginRequest request,
        HttpContext context,
        SignInService signIn,
        SelfService self,
        IOptions<SessionOptions> sessions,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var result = await signIn.CheckAsync(request.UserName, request.Password, request.TotpCode, request.RecoveryCode, cancellationToken);
        switch (result.Status)
        {
            case SignInStatus.SecondFactorRequired:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status401Unauthorized,
                    type: SecondFactorRequiredType,
                    title: "Second factor required",
                    detail: "Send totpCode (from the authenticator app) or recoveryCode with the user name and password.");
            case SignInStatus.Failed:
                return SignInFailed();
        }

        var user = result.User!;
        var principal = await self.SignInAsync(context, user, "api", cancellationToken);
        var expires = time.GetUtcNow() + sessions.Value.AbsoluteLifetime;
        return TypedResults.Ok(new SessionInfo(
            user.UserName!,
            user.Status.ToString(),
            [.. principal.FindAll(TrabeculaClaimTypes.SetupRequired).Select(c => c.Value)],
            expires));
    }

    /// <summary>One answer for every failure, so that nobody learns which accounts exist or are locked.</summary>
    public static ProblemHttpResult SignInFailed() => TypedResults.Problem(
        statusCode: StatusCodes.Status401Unauthorized,
        type: SignInFailedType,
        title: "Sign-in failed",
        detail: "The user name or password is incorrect, or the account is temporarily locked.");

    private static async Task<NoContent> LogoutAsync(HttpContext context, SelfService self, CancellationToken cancellationToken)
    {
        await self.SignOutAsync(context, cancellationToken);
        return TypedResults.NoContent();
    }

    private static Ok<AntiforgeryToken> GetAntiforgery(HttpContext context, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return TypedResults.Ok(new AntiforgeryToken(tokens.HeaderName!, tokens.RequestToken!));
    }
}
