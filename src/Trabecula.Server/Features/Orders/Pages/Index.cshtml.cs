using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Orders.Pages;

/// <summary>The order list: only orders the caller's organization takes part in, filtered and paged on the server.</summary>
[Authorize(Policy = Policies.Active)]
public sealed class IndexModel(TrabeculaDbContext db, IOptions<OrderOptions> options) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? State { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Number { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Category { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid? Participant { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? To { get; set; }

    [BindProperty(Name = "page", SupportsGet = true)]
    public int? PageNumber { get; set; }

    public OrderPage Results { get; private set; } = new([], 0, 1, 50);

    public IReadOnlyList<string> Categories => options.Value.DeviceCategories;

    /// <summary>Partner organizations: those that share at least one order with the caller's.</summary>
    public IReadOnlyList<(Guid Id, string Name)> Partners { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var org = Guid.Parse(User.FindFirst(TrabeculaClaimTypes.OrganizationId)!.Value);
        Results = await OrderListFilter.Parse(State, Category, Number, Participant,
                From?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), To?.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), PageNumber, OrderListFilter.DefaultPageSize)
            .RunAsync(db, org, cancellationToken);
        var mine = db.Orders.AsNoTracking().TakingPart(org);
        var ids = await mine.Select(o => o.InstitutionId)
            .Union(mine.Where(o => o.DesignerId != null).Select(o => o.DesignerId!.Value))
            .Union(mine.Where(o => o.ManufacturerId != null).Select(o => o.ManufacturerId!.Value))
            .Union(mine.Where(o => o.RegistrantId != null).Select(o => o.RegistrantId!.Value))
            .ToListAsync(cancellationToken);
        Partners = [.. (await db.Organizations.AsNoTracking().Where(o => ids.Contains(o.Id) && o.Id != org).Select(o => new { o.Id, o.Name }).ToListAsync(cancellationToken))
            .OrderBy(o => o.Name, StringComparer.Ordinal).Select(o => (o.Id, o.Name))];
    }

    /// <summary>The query string of the current filter with another page number.</summary>
    public string PageLink(int page) => QueryString.Create(new Dictionary<string, string?>
    {
        ["state"] = State,
        ["number"] = Number,
        ["category"] = Category,
        ["participant"] = Participant?.ToString(),
        ["from"] = From?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        ["to"] = To?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        ["page"] = page.ToString(System.Globalization.CultureInfo.InvariantCulture),
    }.Where(p => !string.IsNullOrEmpty(p.Value))).ToUriComponent();
}
