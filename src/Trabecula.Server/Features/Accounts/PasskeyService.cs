using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;

namespace Trabecula.Server.Features.Accounts;

/// <summary>
/// Passkeys (WebAuthn, R-AUTH-2) over ASP.NET Core Identity's passkey handler. A passkey is a
/// phishing-resistant credential that proves possession and (with user verification) the person:
/// it stands in for the TOTP second factor, and signing in with it needs no password.
/// The ceremony state between the options call and the answer is kept in a short-lived cookie
/// encrypted with Data Protection (never readable or forgeable by the browser).
/// </summary>
public sealed class PasskeyService(
    UserManager<TrabeculaUser> users,
    IPasskeyHandler<TrabeculaUser> handler,
    IDataProtectionProvider dataProtection,
    TimeProvider time)
{
    private const string StateCookie = "trabecula.passkey";
    private static readonly TimeSpan StateLifetime = TimeSpan.FromMinutes(5);
    private readonly IDataProtector _protector = dataProtection.CreateProtector("Trabecula.Accounts.PasskeyState.v1");

    public async Task<string> BeginRegistrationAsync(HttpContext context, TrabeculaUser user)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(user);
        var result = await handler.MakeCreationOptionsAsync(new PasskeyUserEntity
        {
            Id = user.Id.ToString(),
            Name = user.UserName!,
            DisplayName = user.LegalName,
        }, context);
        SaveState(context, "attestation", user.Id.ToString(), result.AttestationState);
        return result.CreationOptionsJson;
    }

    /// <summary>Stores the new passkey if the browser's answer checks out; returns an error message or null.</summary>
    public async Task<string?> CompleteRegistrationAsync(HttpContext context, TrabeculaUser user, string credentialJson)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(user);
        var state = TakeState(context, "attestation");
        if (state is null || state.Value.Subject != user.Id.ToString())
        {
            return "The passkey request expired; start again.";
        }

        var result = await handler.PerformAttestationAsync(new PasskeyAttestationContext
        {
            HttpContext = context,
            CredentialJson = credentialJson,
            AttestationState = state.Value.State,
        });
        if (!result.Succeeded)
        {
            return "The passkey was not accepted: " + result.Failure?.Message;
        }

        var saved = await users.AddOrUpdatePasskeyAsync(user, result.Passkey);
        return saved.Succeeded ? null : "The passkey could not be stored.";
    }

    public async Task<string> BeginSignInAsync(HttpContext context, TrabeculaUser? user)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = await handler.MakeRequestOptionsAsync(user, context);
        SaveState(context, "assertion", user?.Id.ToString() ?? "", result.AssertionState);
        return result.RequestOptionsJson;
    }

    /// <summary>The user whose passkey answered the challenge, or null.</summary>
    public async Task<TrabeculaUser?> CompleteSignInAsync(HttpContext context, string credentialJson)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = TakeState(context, "assertion");
        if (state is null)
        {
            return null;
        }

        var result = await handler.PerformAssertionAsync(new PasskeyAssertionContext
        {
            HttpContext = context,
            CredentialJson = credentialJson,
            AssertionState = state.Value.State,
        });
        if (!result.Succeeded || (state.Value.Subject.Length > 0 && state.Value.Subject != result.User.Id.ToString()))
        {
            return null;
        }

        // The signature counter moves on; storing it lets a cloned authenticator be noticed.
        await users.AddOrUpdatePasskeyAsync(result.User, result.Passkey);
        return result.User;
    }

    public async Task<bool> HasPasskeyAsync(TrabeculaUser user) => (await users.GetPasskeysAsync(user)).Count > 0;

    private void SaveState(HttpContext context, string purpose, string subject, string? state)
    {
        var payload = JsonSerializer.Serialize(new CeremonyState(purpose, subject, state, time.GetUtcNow().Add(StateLifetime).ToUnixTimeSeconds()));
        context.Response.Cookies.Append(StateCookie, _protector.Protect(payload), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/api/",
            MaxAge = StateLifetime,
        });
    }

    private (string Subject, string? State)? TakeState(HttpContext context, string purpose)
    {
        context.Response.Cookies.Delete(StateCookie, new CookieOptions { Path = "/api/" });
        if (!context.Request.Cookies.TryGetValue(StateCookie, out var cookie))
        {
            return null;
        }

        try
        {
            var state = JsonSerializer.Deserialize<CeremonyState>(_protector.Unprotect(cookie));
            return state is not null && state.Purpose == purpose && state.ExpiresUnix > time.GetUtcNow().ToUnixTimeSeconds()
                ? (state.Subject, state.State)
                : null;
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException or FormatException)
        {
            return null;
        }
    }

    private sealed record CeremonyState(string Purpose, string Subject, string? State, long ExpiresUnix);
}
