using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Monitoring;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Accounts;

public enum SignInStatus
{
    Succeeded,

    /// <summary>Unknown user, wrong password, wrong second factor or locked: deliberately one answer (AUTH-01, AUTH-03).</summary>
    Failed,

    /// <summary>The password was right and the account has a second factor: ask for the code.</summary>
    SecondFactorRequired,
}

public sealed record SignInResult(SignInStatus Status, TrabeculaUser? User = null);

/// <summary>
/// Password (+ TOTP or recovery code) sign-in. Unknown user, wrong password and locked account
/// take the same path through the password hasher and get the same answer, so neither the body
/// nor the timing tells them apart. Lockout counts against the injected clock (Identity's own uses
/// the wall clock), after MaxFailedAttempts failures for LockoutMinutes, and raises an alert.
/// </summary>
public sealed class SignInService(
    UserManager<TrabeculaUser> users,
    IPasswordHasher<TrabeculaUser> hasher,
    TwoFactorService twoFactor,
    IAuditLog audit,
    AlertService alerts,
    TrabeculaDbContext db,
    TimeProvider time,
    IOptions<SignInOptions> options)
{
    // A hash of a random password made once per process with the current hasher settings, so that
    // verifying against it costs what verifying a real user's password costs.
    private static string? s_dummyHash;

    public async Task<SignInResult> CheckAsync(string? userName, string? password, string? totpCode, string? recoveryCode, CancellationToken cancellationToken = default)
    {
        userName = (userName ?? "").Trim();
        password ??= "";
        var user = userName.Length is > 0 and <= 256 ? await users.FindByNameAsync(userName) : null;
        var now = time.GetUtcNow();
        if (user is null)
        {
            hasher.VerifyHashedPassword(DummyUser, DummyHash(), password);
            await FailedAsync(userName, null, "unknown-user", cancellationToken);
            return new SignInResult(SignInStatus.Failed);
        }

        var locked = user.LockoutEnd is { } end && end > now;
        var verdict = hasher.VerifyHashedPassword(user, user.PasswordHash ?? DummyHash(), password);
        if (locked)
        {
            await FailedAsync(userName, user, "locked", cancellationToken);
            return new SignInResult(SignInStatus.Failed);
        }

        if (verdict == PasswordVerificationResult.Failed)
        {
            await CountFailureAsync(user, "wrong-password", cancellationToken);
            return new SignInResult(SignInStatus.Failed);
        }

        if (user.TwoFactorEnabled)
        {
            if (string.IsNullOrWhiteSpace(totpCode) && string.IsNullOrWhiteSpace(recoveryCode))
            {
                return new SignInResult(SignInStatus.SecondFactorRequired, user);
            }

            var secondFactor = !string.IsNullOrWhiteSpace(totpCode)
                ? await twoFactor.VerifyCodeAsync(user, totpCode.Trim())
                : await twoFactor.RedeemRecoveryCodeAsync(user, recoveryCode);
            if (!secondFactor)
            {
                await CountFailureAsync(user, "wrong-second-factor", cancellationToken);
                return new SignInResult(SignInStatus.Failed);
            }

            if (string.IsNullOrWhiteSpace(totpCode))
            {
                await audit.RecordAsync(new AuditEvent(AuditAction.RecoveryCodeUsed) { Actor = ActorOf(user), TargetType = "user", TargetId = user.Id.ToString() }, cancellationToken);
            }
        }

        user.AccessFailedCount = 0;
        user.LockoutEnd = null;
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
        }

        await users.UpdateAsync(user);
        return new SignInResult(SignInStatus.Succeeded, user);
    }

    /// <summary>The principal of a signed-in user: identity, organization, roles, status, and what setup is still owed.</summary>
    public async Task<ClaimsPrincipal> CreatePrincipalAsync(TrabeculaUser user, string authenticationType)
    {
        ArgumentNullException.ThrowIfNull(user);
        var organization = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == user.OrganizationId);
        var roles = await users.GetRolesAsync(user);
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new(ClaimTypes.Name, user.UserName ?? ""),
            new(TrabeculaClaimTypes.ActorType, "user"),
            new(TrabeculaClaimTypes.RealName, user.LegalName),
            new(TrabeculaClaimTypes.OrganizationId, organization.Id.ToString()),
            new(TrabeculaClaimTypes.OrganizationName, organization.Name),
            new(TrabeculaClaimTypes.AccountStatus, user.Status.ToString()),
            new(TrabeculaClaimTypes.SessionId, Guid.CreateVersion7(time.GetUtcNow()).ToString("N")),
        };
        claims.AddRange(roles.Select(r => new Claim(ClaimTypes.Role, r)));
        foreach (var step in SetupSteps(user, roles))
        {
            claims.Add(new Claim(TrabeculaClaimTypes.SetupRequired, step));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, authenticationType, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>"password" while a one-time password is in use; "mfa" while a role that needs it has no second factor.</summary>
    public static IEnumerable<string> SetupSteps(TrabeculaUser user, IEnumerable<string> roles)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.MustChangePassword)
        {
            yield return "password";
        }

        if (!user.TwoFactorEnabled && roles.Any(TwoFactorService.MandatoryFor.Contains))
        {
            yield return "mfa";
        }
    }

    public static AuditActor ActorOf(TrabeculaUser user) =>
        new(AuditActorType.User, user.Id.ToString(), user.UserName, user.LegalName, user.OrganizationId);

    private async Task CountFailureAsync(TrabeculaUser user, string reason, CancellationToken cancellationToken)
    {
        user.AccessFailedCount++;
        var lockedNow = user.AccessFailedCount >= options.Value.MaxFailedAttempts;
        if (lockedNow)
        {
            user.LockoutEnd = time.GetUtcNow().AddMinutes(options.Value.LockoutMinutes);
            user.AccessFailedCount = 0;
        }

        await users.UpdateAsync(user);
        await FailedAsync(user.UserName ?? "", user, reason, cancellationToken);
        if (lockedNow)
        {
            await audit.RecordAsync(new AuditEvent(AuditAction.Lockout) { Actor = ActorOf(user), TargetType = "user", TargetId = user.Id.ToString(),
                Details = new Dictionary<string, object?> { ["minutes"] = options.Value.LockoutMinutes } }, cancellationToken);
            await alerts.RaiseAsync(AlertKind.BruteForce, user.UserName,
                $"Account locked for {options.Value.LockoutMinutes} minutes after {options.Value.MaxFailedAttempts} failed sign-ins.", cancellationToken);
        }
    }

    private Task<long> FailedAsync(string attemptedName, TrabeculaUser? user, string reason, CancellationToken cancellationToken) =>
        audit.RecordAsync(new AuditEvent(AuditAction.SignInFailed, AuditOutcome.Failed)
        {
            Actor = user is null
                ? new AuditActor(AuditActorType.Anonymous, null, attemptedName.Length > 64 ? attemptedName[..64] : attemptedName)
                : ActorOf(user),
            TargetType = "user",
            TargetId = user?.Id.ToString(),
            Details = new Dictionary<string, object?> { ["reason"] = reason },
        }, cancellationToken);

    private static readonly TrabeculaUser DummyUser = new() { UserName = "~" };

    private string DummyHash() => s_dummyHash ??= hasher.HashPassword(DummyUser, Guid.NewGuid().ToString());
}
