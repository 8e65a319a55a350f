using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Trabecula.Server.Features.Accounts;

namespace Trabecula.Server.Features.Account;

/// <summary>TOTP enrolment: the secret (and its otpauth URI) is shown, a code from the app confirms it.</summary>
[Authorize(Policy = Policies.SignedIn)]
public sealed class MfaModel(UserManager<TrabeculaUser> users, TwoFactorService twoFactor, SelfService self) : PageModel
{
    [BindProperty]
    public string? Code { get; set; }

    public TotpEnrolment? Enrolment { get; private set; }

    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    public bool AlreadyEnrolled { get; private set; }

    public bool CodeRejected { get; private set; }

    public async Task OnGetAsync()
    {
        var user = await users.GetUserAsync(User) ?? throw new InvalidOperationException("No signed-in user.");
        AlreadyEnrolled = user.TwoFactorEnabled;
        if (!AlreadyEnrolled)
        {
            Enrolment = await twoFactor.BeginEnrolmentAsync(user);
        }
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        RecoveryCodes = await self.ConfirmMfaAsync(HttpContext, Code, cancellationToken);
        if (RecoveryCodes is null)
        {
            CodeRejected = true;
            var user = await users.GetUserAsync(User) ?? throw new InvalidOperationException("No signed-in user.");
            Enrolment = await twoFactor.BeginEnrolmentAsync(user, keepPending: true);
        }

        return Page();
    }
}
