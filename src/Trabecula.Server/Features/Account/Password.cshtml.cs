using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Trabecula.Server.Features.Accounts;

namespace Trabecula.Server.Features.Account;

/// <summary>Change the password; afterwards every session ends and the user signs in again.</summary>
[Authorize(Policy = Policies.SignedIn)]
public sealed class PasswordModel(SelfService self) : PageModel
{
    [BindProperty]
    public string? CurrentPassword { get; set; }

    [BindProperty]
    public string? NewPassword { get; set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var errors = await self.ChangePasswordAsync(HttpContext, CurrentPassword, NewPassword, cancellationToken);
        if (errors is not null)
        {
            Errors = [.. errors.Values.SelectMany(v => v)];
            return Page();
        }

        return RedirectToPage("/Account/Login");
    }
}
