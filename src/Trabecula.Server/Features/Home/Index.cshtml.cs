using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Server.Cli;
using Trabecula.Server.Data;
using Trabecula.Server.Infrastructure.Data;

namespace Trabecula.Server.Features.Home;

/// <summary>The dashboard: what the platform does and the state of this installation.</summary>
[Microsoft.AspNetCore.Authorization.AllowAnonymous]
public sealed class IndexModel(TrabeculaDbContext db, IOptions<DatabaseOptions> database, TimeProvider time) : PageModel
{
    /// <summary>The lifecycle of DESIGN.md (R-CASE-5), in order; labels come from the resources.</summary>
    public static IReadOnlyList<string> Stages { get; } =
    [
        "RequirementRaised", "DataCollected", "DataConfirmed", "Designing", "DesignReview", "DesignApproved",
        "Manufacturing", "Released", "Delivered", "Used", "FollowUp", "Closed",
    ];

    public string Version { get; } = VersionCommand.InformationalVersion.Split('+')[0];

    public string DatabaseProvider => database.Value.IsPostgreSql ? DatabaseOptions.PostgreSql : DatabaseOptions.Sqlite;

    public int OrganizationCount { get; private set; }

    public int UserCount { get; private set; }

    /// <summary>For a physician: the institution's follow-ups past their due date (R-TRACE-2).</summary>
    public IReadOnlyList<(Guid OrderId, string OrderNumber, int Month, DateOnly DueOn)> OverdueFollowUps { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (User.Identity?.IsAuthenticated != true)
        {
            return; // an anonymous visitor learns nothing about this installation's contents
        }

        OrganizationCount = await db.Organizations.CountAsync(cancellationToken);
        UserCount = await db.Users.CountAsync(cancellationToken);
        if (User.IsInRole(Accounts.Roles.Physician)
            && Guid.TryParse(User.FindFirst(Infrastructure.Security.TrabeculaClaimTypes.OrganizationId)?.Value, out var institution))
        {
            // The (institution, performed, due) index answers this without reading other institutions' rows.
            var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
            var rows = await db.FollowUps.AsNoTracking()
                .Where(f => f.InstitutionId == institution && f.PerformedOn == null && f.DueOn < today)
                .OrderBy(f => f.DueOn).Take(50)
                .Join(db.Orders, f => f.OrderId, o => o.Id, (f, o) => new { o.Id, o.Number, f.Month, f.DueOn })
                .ToListAsync(cancellationToken);
            OverdueFollowUps = [.. rows.Select(r => (r.Id, r.Number, r.Month, r.DueOn))];
        }
    }
}
