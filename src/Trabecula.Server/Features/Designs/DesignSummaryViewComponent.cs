using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Orders;

namespace Trabecula.Server.Features.Designs;

/// <summary>What the order page shows of the design stage, for every participant.</summary>
public sealed record DesignSummary(Guid OrderId, int Versions, IReadOnlyList<SignatureView> Signatures, PackageView? Package);

/// <summary>
/// The design panel of the order page: every signature with signer, time, meaning and its
/// verification now, the released package, and the way to the review page. The orders feature only
/// places it (one line in Detail.cshtml); the data is this feature's.
/// </summary>
public sealed class DesignSummaryViewComponent(TrabeculaDbContext db, DesignApprovals approvals, TimeProvider time) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync(Guid orderId)
    {
        var order = await OrdersApi.FindForCallerAsync(db, orderId, UserClaimsPrincipal, time, HttpContext.RequestAborted);
        if (order is null)
        {
            return Content("");
        }

        var numbers = await db.DesignVersions.AsNoTracking().Where(v => v.OrderId == orderId).ToDictionaryAsync(v => v.Id, v => v.Number, HttpContext.RequestAborted);
        var signatures = new List<SignatureView>();
        foreach (var s in await db.DesignSignatures.AsNoTracking().Where(s => s.OrderId == orderId).OrderBy(s => s.SignedAt).ToListAsync(HttpContext.RequestAborted))
        {
            signatures.Add(DesignsApi.ToView(s, numbers[s.VersionId], await approvals.CheckAsync(s, order, HttpContext.RequestAborted)));
        }

        var package = await db.ProductionPackages.AsNoTracking().Where(p => p.OrderId == orderId && p.RevokedAt == null).OrderByDescending(p => p.ReleasedAt).FirstOrDefaultAsync(HttpContext.RequestAborted);
        var packageView = package is null ? null
            : new PackageView(package.Id, package.VersionId, numbers[package.VersionId], package.SignatureId, package.ManifestSha256, package.ReleasedAt, package.ReleasedByName, []);
        return View("/Features/Designs/Pages/_DesignSummary.cshtml", new DesignSummary(orderId, numbers.Count, signatures, packageView));
    }
}
