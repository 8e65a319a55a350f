using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Cli;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Audit;

namespace Trabecula.Server.Features.Designs;

/// <summary>
/// `trabecula signatures verify`: re-checks every design signature (ECDSA over the stored document,
/// the document against the rows, and every signed file read back through the blob store, which
/// checks its SHA-256). Exit 1 naming each signature that fails. Superseded approvals are reported
/// as such and do not fail the run; a void one (files or patient data changed) does.
/// </summary>
internal static class SignatureCommands
{
    public const int Failed = 1;

    public static Command Create(CliContext context)
    {
        var verify = new Command("verify", "Re-check every design signature and the current hashes of the files it signed; print the public key; exit 1 naming each failure.");
        verify.SetAction(async (parse, cancellationToken) =>
        {
            await using var app = await context.BuildForCommandAsync(parse, migrate: false, cancellationToken);
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
            var approvals = scope.ServiceProvider.GetRequiredService<DesignApprovals>();
            var signer = scope.ServiceProvider.GetRequiredService<DesignSigner>();
            Console.WriteLine($"# key id {signer.KeyId}");
            Console.WriteLine(signer.PublicKeyPem);
            var signatures = await db.DesignSignatures.AsNoTracking().OrderBy(s => s.SignedAt).ToListAsync(cancellationToken);
            var orders = await db.Orders.AsNoTracking().Where(o => db.DesignSignatures.Any(s => s.OrderId == o.Id)).ToDictionaryAsync(o => o.Id, cancellationToken);
            var failures = 0;
            foreach (var signature in signatures)
            {
                var order = orders[signature.OrderId];
                var check = await approvals.CheckAsync(signature, order, cancellationToken);
                var bad = check.Problems.Where(p => p != "superseded" && p != "patient-data-expired").ToList();
                failures += bad.Count > 0 ? 1 : 0;
                Console.WriteLine(FormattableString.Invariant(
                    $"{(bad.Count > 0 ? "FAILED" : "OK")} {order.Number} signature {signature.Id} ({ApprovalDocument.MeaningText(signature.Meaning)}, {signature.SignerName}, {signature.SignedAt:yyyy-MM-dd HH:mm:ss} UTC): {check.Status}{(check.Problems.Count > 0 ? " " + string.Join(",", check.Problems) : "")}"));
            }

            await scope.ServiceProvider.GetRequiredService<IAuditLog>().RecordAsync(
                new AuditEvent(AuditAction.DesignSignatureVerified, failures == 0 ? AuditOutcome.Success : AuditOutcome.Failed)
                {
                    Actor = AuditActor.System("trabecula signatures verify"),
                    Details = new Dictionary<string, object?> { ["signatures"] = signatures.Count, ["failed"] = failures },
                },
                cancellationToken);
            Console.WriteLine($"{signatures.Count} signatures, {failures} failed.");
            return failures == 0 ? 0 : Failed;
        });

        var signatures = new Command("signatures", "Electronic signatures of design decisions.");
        signatures.Subcommands.Add(verify);
        return signatures;
    }
}
