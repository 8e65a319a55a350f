using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;

namespace Trabecula.Server.Features.Accounts;

/// <summary>What a user sees once when enrolling: the secret and the URI an authenticator app scans.</summary>
public sealed record TotpEnrolment(string Secret, string OtpAuthUri);

/// <summary>
/// TOTP second factor (R-AUTH-2): enrolment, verification with replay protection (a code's time
/// step is used at most once), and ten single-use recovery codes. The TOTP secret is encrypted
/// with Data Protection before it is stored; recovery codes are stored as SHA-256 hashes only.
/// Concurrent use of one code is refused by Identity's concurrency stamp on the user row.
/// </summary>
public sealed class TwoFactorService(UserManager<TrabeculaUser> users, IDataProtectionProvider dataProtection, TimeProvider time)
{
    private const string Provider = "Trabecula";
    private const string SecretName = "TotpSecret";
    private const string PendingName = "TotpPendingSecret";
    private const string LastStepName = "TotpLastStep";
    private const string RecoveryName = "RecoveryCodeHashes";
    private const string RecoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";

    /// <summary>Roles that must have a second factor before they may do anything (R-AUTH-2).</summary>
    public static readonly IReadOnlySet<string> MandatoryFor = new HashSet<string>(StringComparer.Ordinal)
    {
        Roles.PlatformAdmin, Roles.OrgAdmin, Roles.InstitutionAdmin, Roles.SecurityAdmin, Roles.Auditor, Roles.Physician,
    };

    private readonly IDataProtector _protector = dataProtection.CreateProtector("Trabecula.Accounts.Totp.v1");

    /// <summary>
    /// A new pending secret, or with <paramref name="keepPending"/> the one already pending (after a
    /// mistyped code the app the user just set up must keep working).
    /// </summary>
    public async Task<TotpEnrolment> BeginEnrolmentAsync(TrabeculaUser user, bool keepPending = false)
    {
        ArgumentNullException.ThrowIfNull(user);
        var pending = keepPending ? await GetAsync(user, PendingName) : null;
        byte[] secret;
        if (pending is not null)
        {
            secret = _protector.Unprotect(Convert.FromBase64String(pending));
        }
        else
        {
            secret = RandomNumberGenerator.GetBytes(20);
            await SetAsync(user, PendingName, Convert.ToBase64String(_protector.Protect(secret)));
        }

        var base32 = Totp.ToBase32(secret);
        var label = Uri.EscapeDataString("Trabecula:" + user.UserName);
        return new TotpEnrolment(base32, $"otpauth://totp/{label}?secret={base32}&issuer=Trabecula&algorithm=SHA1&digits=6&period=30");
    }

    /// <summary>Enables TOTP if <paramref name="code"/> matches the pending secret; returns the recovery codes, or null.</summary>
    public async Task<IReadOnlyList<string>?> ConfirmEnrolmentAsync(TrabeculaUser user, string? code)
    {
        ArgumentNullException.ThrowIfNull(user);
        var pending = await GetAsync(user, PendingName);
        if (pending is null)
        {
            return null;
        }

        var secret = _protector.Unprotect(Convert.FromBase64String(pending));
        var step = Totp.Verify(secret, code, time.GetUtcNow(), lastUsedStep: long.MinValue);
        if (step is null)
        {
            return null;
        }

        await users.SetAuthenticationTokenAsync(user, Provider, SecretName, pending);
        await users.RemoveAuthenticationTokenAsync(user, Provider, PendingName);
        await users.SetAuthenticationTokenAsync(user, Provider, LastStepName, step.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var codes = Enumerable.Range(0, 10).Select(_ => RandomNumberGenerator.GetString(RecoveryAlphabet, 10)).ToList();
        await users.SetAuthenticationTokenAsync(user, Provider, RecoveryName, JsonSerializer.Serialize(codes.Select(Hash).ToList()));
        var enabled = await users.SetTwoFactorEnabledAsync(user, true);
        return enabled.Succeeded ? codes : null;
    }

    /// <summary>True if <paramref name="code"/> is a current TOTP code not used before; records its step.</summary>
    public async Task<bool> VerifyCodeAsync(TrabeculaUser user, string? code)
    {
        ArgumentNullException.ThrowIfNull(user);
        var stored = await GetAsync(user, SecretName);
        if (stored is null)
        {
            return false;
        }

        var last = long.TryParse(await GetAsync(user, LastStepName), System.Globalization.CultureInfo.InvariantCulture, out var l) ? l : long.MinValue;
        var step = Totp.Verify(_protector.Unprotect(Convert.FromBase64String(stored)), code, time.GetUtcNow(), last);
        if (step is null)
        {
            return false;
        }

        var saved = await users.SetAuthenticationTokenAsync(user, Provider, LastStepName, step.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return saved.Succeeded;
    }

    /// <summary>Consumes one recovery code; true if it was valid and unused.</summary>
    public async Task<bool> RedeemRecoveryCodeAsync(TrabeculaUser user, string? code)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (string.IsNullOrWhiteSpace(code) || await GetAsync(user, RecoveryName) is not { } json)
        {
            return false;
        }

        var hashes = JsonSerializer.Deserialize<List<string>>(json) ?? [];
        var hash = Hash(code.Trim().Replace("-", "", StringComparison.Ordinal).ToLowerInvariant());
        if (!hashes.Remove(hash))
        {
            return false;
        }

        var saved = await users.SetAuthenticationTokenAsync(user, Provider, RecoveryName, JsonSerializer.Serialize(hashes));
        return saved.Succeeded;
    }

    public async Task<int> RemainingRecoveryCodesAsync(TrabeculaUser user) =>
        await GetAsync(user, RecoveryName) is { } json ? (JsonSerializer.Deserialize<List<string>>(json) ?? []).Count : 0;

    /// <summary>Turns the second factor off (an administrator's reset after a lost phone); the user must enrol again.</summary>
    public async Task ResetAsync(TrabeculaUser user)
    {
        foreach (var name in new[] { SecretName, PendingName, LastStepName, RecoveryName })
        {
            await users.RemoveAuthenticationTokenAsync(user, Provider, name);
        }

        await users.SetTwoFactorEnabledAsync(user, false);
    }

    private Task<string?> GetAsync(TrabeculaUser user, string name) => users.GetAuthenticationTokenAsync(user, Provider, name);

    private async Task SetAsync(TrabeculaUser user, string name, string value)
    {
        var result = await users.SetAuthenticationTokenAsync(user, Provider, name, value);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("Could not store the second-factor data: " + string.Join("; ", result.Errors.Select(e => e.Code)));
        }
    }

    private static string Hash(string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code)));
}
