using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Trabecula.Server.Features.Accounts;

namespace Trabecula.Server.Features.Account;

public sealed class LoginForm
{
    public string? UserName { get; set; }

    public string? Password { get; set; }

    public string? TotpCode { get; set; }
}

/// <summary>The sign-in page. The same checks as POST /api/auth/login, and the same single failure message.</summary>
[AllowAnonymous]
[EnableRateLimiting(AccountsExtensions.SignInRateLimit)]
public sealed class LoginModel(SignInService signIn, SelfService self) : PageModel
{
    [BindProperty]
    public LoginForm Form { get; set; } = new();

    public string? ReturnUrl { get; private set; }

    public bool Failed { get; private set; }

    public bool NeedsSecondFactor { get; private set; }

    public void OnGet(string? returnUrl) => ReturnUrl = returnUrl;

    public async Task<IActionResult> OnPostAsync(string? returnUrl, CancellationToken cancellationToken)
    {
        ReturnUrl = returnUrl;
        var result = await signIn.CheckAsync(Form.UserName, Form.Password, Form.TotpCode, recoveryCode: null, cancellationToken);
        if (result.Status == SignInStatus.SecondFactorRequired)
        {
            NeedsSecondFactor = true;
            return Page();
        }

        if (result.Status == SignInStatus.Failed)
        {
            Failed = true;
            return Page();
        }

        var principal = await self.SignInAsync(HttpContext, result.User!, "page", cancellationToken);
        if (principal.HasClaim(c => c.Type == Infrastructure.Security.TrabeculaClaimTypes.SetupRequired) || result.User!.Status != AccountStatus.Active)
        {
            return RedirectToPage("/Account/Status");
        }

        return LocalRedirect(Url.IsLocalUrl(returnUrl) ? returnUrl : "/");
    }
}
