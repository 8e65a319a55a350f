using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Orders;

namespace Trabecula.Server.Features.Designs.Pages;

/// <summary>
/// The printable record of one signature (21 CFR 11.50(b): name, date/time and meaning appear on
/// every human-readable form of the record): the signed files with their SHA-256, the status now,
/// and the signature and key id so that the paper copy can be checked against the published key.
/// </summary>
[Authorize(Policy = Policies.Active)]
public sealed class PrintModel(TrabeculaDbContext db, DesignApprovals approvals, DesignSigner signer, IAuditLog audit, TimeProvider time) : PageModel
{
    public Order? Order { get; private set; }

    public SignatureView? Signature { get; private set; }

    public IReadOnlyList<SignedFile> Files { get; private set; } = [];

    public string PublicKeyPem => signer.PublicKeyPem;

    public async Task<IActionResult> OnGetAsync(Guid id, Guid signatureId, CancellationToken cancellationToken)
    {
        Order = await OrdersApi.FindForCallerAsync(db, id, User, time, cancellationToken);
        var signature = Order is null ? null : await db.DesignSignatures.AsNoTracking().SingleOrDefaultAsync(s => s.Id == signatureId && s.OrderId == id, cancellationToken);
        if (Order is null || signature is null)
        {
            return NotFound();
        }

        var number = await db.DesignVersions.AsNoTracking().Where(v => v.Id == signature.VersionId).Select(v => v.Number).SingleAsync(cancellationToken);
        Signature = DesignsApi.ToView(signature, number, await approvals.CheckAsync(signature, Order, cancellationToken));
        Files = (await approvals.FilesAsync(signature.VersionId, cancellationToken)).Select(f => f.Signed).ToList();
        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "design-signature-print", TargetId = signature.Id.ToString(), OrderId = id }, cancellationToken);
        return Page();
    }
}
