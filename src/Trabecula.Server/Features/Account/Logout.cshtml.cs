using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Trabecula.Server.Features.Accounts;

namespace Trabecula.Server.Features.Account;

/// <summary>Sign-out is a POST with the anti-forgery token (a GET would let any page sign a user out).</summary>
[Authorize(Policy = Policies.SignedIn)]
public sealed class LogoutModel(SelfService self) : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Home/Index");

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        await self.SignOutAsync(HttpContext, cancellationToken);
        return RedirectToPage("/Account/Login");
    }
}
