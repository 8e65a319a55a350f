using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Orders;

namespace Trabecula.Server.Features.Transfer.Pages;

/// <summary>
/// An order's sharing page: what the caller may share now (the matrix decides per class), a share
/// form per artifact naming a user of another participating organization, and the shares the
/// caller's organization made, with revocation. It goes through <see cref="ShareService"/>, as the API does.
/// </summary>
[Authorize(Policy = Policies.Active)]
public sealed class OrderSharesModel(TrabeculaDbContext db, ShareService shares, PackageExports exports, TimeProvider time) : PageModel
{
    public Order? Order { get; private set; }

    public IReadOnlyList<ResolvedArtifact> Shareable { get; private set; } = [];

    public IReadOnlyList<ArtifactShare> Mine { get; private set; } = [];

    /// <summary>User name and display text of the people a share may name.</summary>
    public IReadOnlyList<(string UserName, string Display)> Recipients { get; private set; } = [];

    public DateTime Now { get; private set; }

    public IReadOnlyList<ResolvedArtifact> Exportable { get; private set; } = [];

    public IReadOnlyList<ExportRecipient> ExportRecipients { get; private set; } = [];

    public int DefaultHours => shares.DefaultHours;

    public int MaxHours => shares.MaxHours;

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) => await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostShareAsync(Guid id, string artifactKind, Guid artifactId, string? recipient, int? hours, CancellationToken cancellationToken)
    {
        var outcome = Enum.TryParse<ArtifactKind>(artifactKind, out var kind)
            ? await shares.CreateAsync(User, id, kind, artifactId, recipient, hours, cancellationToken)
            : new ShareOutcome(ShareStatus.NotFound);
        if (outcome.Status == ShareStatus.NotFound)
        {
            return NotFound();
        }

        Message = outcome.Status == ShareStatus.Ok ? outcome.Share!.RecipientName : null;
        Error = outcome.Status == ShareStatus.Ok ? null : outcome.Detail;
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid id, Guid shareId, CancellationToken cancellationToken)
    {
        var outcome = await shares.RevokeAsync(User, shareId, cancellationToken);
        Error = outcome.Status == ShareStatus.Ok ? null : outcome.Status.ToString();
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    /// <summary>The encrypted package as a download; a refusal shows on the page.</summary>
    public async Task<IActionResult> OnPostExportAsync(Guid id, string artifactKind, Guid artifactId, Guid clientId, CancellationToken cancellationToken)
    {
        var outcome = Enum.TryParse<ArtifactKind>(artifactKind, out var kind)
            ? await exports.ExportAsync(User, id, kind, artifactId, clientId, cancellationToken)
            : new ExportOutcome(ShareStatus.NotFound);
        if (outcome.Status == ShareStatus.Ok)
        {
            return File(outcome.Package!, PackagesApi.PackageMediaType, outcome.FileName);
        }

        if (outcome.Status == ShareStatus.NotFound)
        {
            return NotFound();
        }

        Error = outcome.Detail;
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        var (order, shareable) = await shares.ShareableAsync(User, id, cancellationToken);
        if (order is null)
        {
            return false;
        }

        Order = order;
        Shareable = shareable;
        Mine = await shares.ListForOrderAsync(User, id, cancellationToken) ?? [];
        Now = time.GetUtcNow().UtcDateTime;
        Exportable = await exports.ExportableAsync(User, order, cancellationToken);
        ExportRecipients = Exportable.Count == 0 ? [] : await exports.RecipientsAsync(order, cancellationToken);
        var own = Guid.Parse(User.FindFirst(Infrastructure.Security.TrabeculaClaimTypes.OrganizationId)!.Value);
        var others = new[] { order.InstitutionId, order.DesignerId, order.ManufacturerId, order.RegistrantId }
            .Where(o => o is { } g && g != own).Select(o => o!.Value).Distinct().ToList();
        var people = await db.Users.AsNoTracking().Where(u => others.Contains(u.OrganizationId) && u.Status == AccountStatus.Active)
            .OrderBy(u => u.UserName).Select(u => new { u.UserName, u.LegalName, Organization = u.Organization!.Name }).ToListAsync(cancellationToken);
        Recipients = [.. people.Select(p => (p.UserName ?? "", $"{p.LegalName} ({p.UserName}, {p.Organization})"))];
        return true;
    }
}
