using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Trabecula.Server.Features.Audit;

namespace Trabecula.Server.Features.Accounts;

/// <summary>What a signed-in person does to their own account, shared by the API and the pages.</summary>
public sealed class SelfService(
    UserManager<TrabeculaUser> users,
    SessionRevoker sessions,
    TwoFactorService twoFactor,
    SignInService signIn,
    IAuditLog audit,
    IOptions<SessionOptions> sessionOptions,
    TimeProvider time)
{
    /// <summary>
    /// Changes the password. On success every session of the account ends, this one included
    /// (R-AUTH-4: changing credentials invalidates every session). Returns field errors or null.
    /// </summary>
    public async Task<IDictionary<string, string[]>?> ChangePasswordAsync(HttpContext context, string? currentPassword, string? newPassword, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = await users.GetUserAsync(context.User) ?? throw new InvalidOperationException("No signed-in user.");
        if (string.IsNullOrEmpty(currentPassword) || !await users.CheckPasswordAsync(user, currentPassword))
        {
            return new Dictionary<string, string[]> { ["currentPassword"] = ["The current password is not correct."] };
        }

        if (string.Equals(currentPassword, newPassword, StringComparison.Ordinal))
        {
            return new Dictionary<string, string[]> { ["newPassword"] = ["The new password must differ from the current one."] };
        }

        var result = await users.ChangePasswordAsync(user, currentPassword, newPassword ?? "");
        if (!result.Succeeded)
        {
            return new Dictionary<string, string[]> { ["newPassword"] = [.. result.Errors.Select(e => e.Description)] };
        }

        user.MustChangePassword = false;
        await users.UpdateAsync(user);
        var ended = await sessions.EndAllAsync(user.Id, cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.PasswordChanged)
        {
            TargetType = "user",
            TargetId = user.Id.ToString(),
            Details = new Dictionary<string, object?> { ["sessionsEnded"] = ended },
        }, cancellationToken);
        await context.SignOutAsync(CookieSchemes.Session);
        return null;
    }

    /// <summary>Confirms TOTP enrolment; on success the session's claims are refreshed and the recovery codes returned.</summary>
    public async Task<IReadOnlyList<string>?> ConfirmMfaAsync(HttpContext context, string? code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var user = await users.GetUserAsync(context.User) ?? throw new InvalidOperationException("No signed-in user.");
        var codes = await twoFactor.ConfirmEnrolmentAsync(user, code?.Trim());
        if (codes is null)
        {
            return null;
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.MfaEnrolled) { TargetType = "user", TargetId = user.Id.ToString() }, cancellationToken);

        // Signing in again renews this session's ticket in place with the setup step gone.
        await SignInAsync(context, user, "mfa-enrolment", cancellationToken);
        return codes;
    }

    /// <summary>Starts a session for <paramref name="user"/> (after the checks of <see cref="SignInService"/>) and audits it.</summary>
    public async Task<ClaimsPrincipal> SignInAsync(HttpContext context, TrabeculaUser user, string via, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(user);
        var principal = await signIn.CreatePrincipalAsync(user, SessionIdentity.AuthenticationType);
        await context.SignInAsync(CookieSchemes.Session, principal, new AuthenticationProperties
        {
            IsPersistent = false,
            ExpiresUtc = time.GetUtcNow() + sessionOptions.Value.AbsoluteLifetime,
        });
        context.User = principal;
        await audit.RecordAsync(new AuditEvent(AuditAction.SignIn)
        {
            TargetType = "user",
            TargetId = user.Id.ToString(),
            Details = new Dictionary<string, object?> { ["via"] = via, ["secondFactor"] = user.TwoFactorEnabled },
        }, cancellationToken);
        return principal;
    }

    public async Task SignOutAsync(HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await audit.RecordAsync(new AuditEvent(AuditAction.SignOut) { TargetType = "user", TargetId = context.User.FindFirstValue(ClaimTypes.NameIdentifier) }, cancellationToken);
        await context.SignOutAsync(CookieSchemes.Session);
    }
}
