using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Organizations;

namespace Trabecula.Server.Features.Permissions.Pages;

/// <summary>
/// The matrix editor for security administrators (R-XFER-2): pick a party and a role, see every
/// stage × class × action cell as a tick box, save. Each changed cell goes through the same audited
/// change the API makes, so the trail shows exactly which cells moved.
/// </summary>
[Authorize(Policy = Policies.SecurityAdmin)]
public sealed class IndexModel(TrabeculaDbContext db, IAuditLog audit, PermissionMatrix matrix) : PageModel
{
    public static IReadOnlyList<PartyTypes> Parties { get; } =
        [PartyTypes.MedicalInstitution, PartyTypes.Designer, PartyTypes.Manufacturer, PartyTypes.MarketingAuthorizationHolder];

    [BindProperty(SupportsGet = true)]
    public PartyTypes Party { get; set; } = PartyTypes.MedicalInstitution;

    [BindProperty(SupportsGet = true)]
    public string Role { get; set; } = Roles.Physician;

    /// <summary>Allowed cells for the chosen party and role, as "Stage/Class/Action".</summary>
    public IReadOnlySet<string> Allowed { get; private set; } = new HashSet<string>();

    public int Changed { get; private set; }

    public string? Error { get; private set; }

    public static string Key(OrderState stage, DataClass cls, DataAction action) => $"{stage}/{cls}/{action}";

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!Valid())
        {
            return BadRequest();
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    /// <summary>Applies the difference between the ticked boxes and the stored cells, one audited change per cell.</summary>
    public async Task<IActionResult> OnPostAsync(string[]? cells, CancellationToken cancellationToken)
    {
        if (!Valid())
        {
            return BadRequest();
        }

        await LoadAsync(cancellationToken);
        var wanted = (cells ?? []).ToHashSet(StringComparer.Ordinal);
        var changes = Allowed.Except(wanted).Select(c => (Cell: c, Allow: false))
            .Concat(wanted.Except(Allowed).Select(c => (Cell: c, Allow: true)))
            .ToList();
        foreach (var (cell, allow) in changes)
        {
            var parts = cell.Split('/');
            if (parts.Length != 3)
            {
                return BadRequest();
            }

            var result = (await PermissionsApi.ChangeAsync(new PermissionChange(Party.ToString(), Role, parts[0], parts[1], parts[2], allow), db, audit, matrix, cancellationToken)).Result;
            if (result is ValidationProblem invalid)
            {
                Error = string.Join(" ", invalid.ProblemDetails.Errors.SelectMany(e => e.Value));
                await LoadAsync(cancellationToken);
                return Page();
            }
        }

        return Redirect($"/admin/permissions?party={Party}&role={Role}&changed={changes.Count}");
    }

    private bool Valid() => Parties.Contains(Party) && Roles.All.Contains(Role, StringComparer.Ordinal);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Changed = int.TryParse(Request.Query["changed"], out var n) ? n : 0;
        var rows = await db.PermissionRules.AsNoTracking().Where(r => r.Party == Party && r.Role == Role).ToListAsync(cancellationToken);
        Allowed = rows.Select(r => Key(r.Stage, r.Class, r.Action)).ToHashSet(StringComparer.Ordinal);
    }
}
