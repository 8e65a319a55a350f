using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Account;

/// <summary>
/// Where a pending, rejected or disabled account may go (R-AUTH-1), where setup still owed is
/// listed, and where a refused page request lands.
/// </summary>
[Authorize(Policy = Policies.SignedIn)]
public sealed class StatusModel : PageModel
{
    public string UserName => User.Identity?.Name ?? "";

    public string LegalName => User.FindFirstValue(TrabeculaClaimTypes.RealName) ?? "";

    public string OrganizationName => User.FindFirstValue(TrabeculaClaimTypes.OrganizationName) ?? "";

    public string Status => User.FindFirstValue(TrabeculaClaimTypes.AccountStatus) ?? "";

    public IReadOnlyList<string> Roles => [.. User.FindAll(ClaimTypes.Role).Select(c => c.Value)];

    public IReadOnlyList<string> SetupRequired => [.. User.FindAll(TrabeculaClaimTypes.SetupRequired).Select(c => c.Value)];

    public bool Denied { get; private set; }

    public void OnGet(string? returnUrl) => Denied = !string.IsNullOrEmpty(returnUrl);
}
