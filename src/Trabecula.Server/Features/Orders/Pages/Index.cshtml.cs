using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;

namespace Trabecula.Server.Features.Orders.Pages;

/// <summary>The order list: only orders the caller's organization takes part in, filtered and paged on the server.</summary>
[Authorize(Policy = Policies.Active)]
public sealed class IndexModel(TrabeculaDbContext db) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? State { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Number { get; set; }

    [BindProperty(Name = "page", SupportsGet = true)]
    public int? PageNumber { get; set; }

    public OrderPage Results { get; private set; } = new([], 0, 1, 50);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var result = await OrdersApi.ListAsync(User, db, State, null, Number, null, null, PageNumber, 50, cancellationToken);
        Results = result.Value!;
    }
}
