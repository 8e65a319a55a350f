using System.CommandLine;
using Trabecula.Server.Cli;

namespace Trabecula.Server.Features.Audit;

internal static class AuditCommands
{
    public const int Tampered = 1;

    public static Command Create(CliContext context)
    {
        var verify = new Command("verify", "Walk the audit chain, its checkpoints and signed head; exit 1 naming the first bad sequence number if anything was edited, deleted, inserted, reordered or cut.");
        verify.SetAction(async (parse, cancellationToken) =>
        {
            await using var app = await context.BuildForCommandAsync(parse, migrate: false, cancellationToken);
            await using var scope = app.Services.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(cancellationToken);
            await scope.ServiceProvider.GetRequiredService<IAuditLog>().RecordAsync(
                new AuditEvent(AuditAction.AuditVerified, result.IsValid ? AuditOutcome.Success : AuditOutcome.Failed)
                {
                    Actor = AuditActor.System("trabecula audit verify"),
                    Details = new Dictionary<string, object?> { ["entries"] = result.EntriesChecked, ["firstBadSequence"] = result.FirstBadSequence },
                },
                cancellationToken);
            if (result.IsValid)
            {
                Console.WriteLine($"OK: {result.Message}.");
                return 0;
            }

            Console.WriteLine($"TAMPERED: first bad sequence {result.FirstBadSequence}: {result.Message}.");
            return Tampered;
        });

        var publicKey = new Command("public-key", "Print the public key (PEM) that verifies checkpoints and the chain head, and its key id.");
        publicKey.SetAction(async (parse, cancellationToken) =>
        {
            await using var app = await context.BuildForCommandAsync(parse, migrate: false, cancellationToken);
            var signer = app.Services.GetRequiredService<AuditSigner>();
            Console.WriteLine($"# key id {signer.KeyId}");
            Console.WriteLine(signer.PublicKeyPem);
            return 0;
        });

        var audit = new Command("audit", "The tamper-evident audit trail.");
        audit.Subcommands.Add(verify);
        audit.Subcommands.Add(publicKey);
        return audit;
    }
}
