using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Server.Cli;
using Trabecula.Server.Data;
using Trabecula.Server.Infrastructure.Data;

namespace Trabecula.Server.Features.Home;

/// <summary>The dashboard: what the platform does and the state of this installation.</summary>
[Microsoft.AspNetCore.Authorization.AllowAnonymous]
public sealed class IndexModel(TrabeculaDbContext db, IOptions<DatabaseOptions> database) : PageModel
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

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (User.Identity?.IsAuthenticated != true)
        {
            return; // an anonymous visitor learns nothing about this installation's contents
        }

        OrganizationCount = await db.Organizations.CountAsync(cancellationToken);
        UserCount = await db.Users.CountAsync(cancellationToken);
    }
}
