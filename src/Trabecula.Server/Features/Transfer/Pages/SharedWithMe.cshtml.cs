using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Trabecula.Server.Features.Accounts;

namespace Trabecula.Server.Features.Transfer.Pages;

/// <summary>The recipient's list: shares naming them that are valid now, each a download link through the checked endpoint.</summary>
[Authorize(Policy = Policies.Active)]
public sealed class SharedWithMeModel(ShareService shares) : PageModel
{
    public IReadOnlyList<ArtifactShare> Shares { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Shares = await shares.IncomingAsync(User, cancellationToken);
}
