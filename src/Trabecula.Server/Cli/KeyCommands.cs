using System.CommandLine;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Infrastructure.Keys;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Cli;

/// <summary>trabecula keys rotate: a new key-encryption key for the blob store, and every data key re-wrapped under it.</summary>
internal static class KeyCommands
{
    public static Command Create(CliContext context)
    {
        var resume = new Option<bool>("--resume")
        {
            Description = "Do not add a key; finish re-wrapping after an interrupted rotation (the server also does this at start).",
        };
        var rotate = new Command("rotate", "Add a new key-encryption key (it becomes active) and re-wrap every blob's data key under it, in batches; a killed run is resumed with --resume. Blob files are not rewritten; old blobs stay readable throughout.");
        rotate.Options.Add(resume);
        rotate.SetAction(async (parse, cancellationToken) =>
        {
            await using var app = await context.BuildForCommandAsync(parse, migrate: true, cancellationToken);
            var ring = app.Services.GetRequiredService<KeyRing>();
            var resuming = parse.GetValue(resume);
            var active = resuming ? await ring.ActiveAsync(cancellationToken) : await ring.RotateAsync(cancellationToken);
            var moved = await app.Services.GetRequiredService<KeyRewrapper>().RewrapAsync(
                new Progress<int>(n => Console.Error.WriteLine($"re-wrapped {n} data key(s)")), cancellationToken);
            await using (var scope = app.Services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<IAuditLog>().RecordAsync(new AuditEvent(AuditAction.KeysRotated)
                {
                    Actor = AuditActor.System("trabecula keys rotate"),
                    TargetType = "key-encryption-key",
                    TargetId = active.ToString(),
                    Details = new Dictionary<string, object?> { ["rewrapped"] = moved, ["resumed"] = resuming },
                }, cancellationToken);
            }

            Console.WriteLine($"OK: key-encryption key {active:N} is active; {moved} data key(s) re-wrapped.");
            return 0;
        });

        var keys = new Command("keys", "The blob store's key ring.");
        keys.Subcommands.Add(rotate);
        return keys;
    }
}
