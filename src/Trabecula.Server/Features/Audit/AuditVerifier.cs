using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;

namespace Trabecula.Server.Features.Audit;

/// <summary>The verdict of a walk over the chain.</summary>
public sealed record AuditVerification(bool IsValid, long EntriesChecked, long CheckpointsChecked, long? FirstBadSequence, string Message);

/// <summary>
/// Walks the whole chain in sequence order and checks that: sequence numbers run 1, 2, 3, ...
/// without gaps or repeats (deletion, insertion); each entry's hash is SHA-256 of the previous
/// hash and its own canonical bytes (edits, reordering); each checkpoint is signed and matches
/// its entry; and the signed head points at the last entry (cutting the tail). It names the
/// first bad sequence number. Streaming: memory does not grow with the chain.
/// </summary>
public sealed class AuditVerifier(TrabeculaDbContext db, AuditSigner signer)
{
    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default)
    {
        var checkpoints = await db.AuditCheckpoints.AsNoTracking().OrderBy(c => c.Sequence).ToListAsync(cancellationToken);
        foreach (var checkpoint in checkpoints)
        {
            if (!signer.VerifyCheckpoint(checkpoint.Sequence, checkpoint.Hash, checkpoint.CreatedAt, checkpoint.Signature))
            {
                return Bad(0, checkpoints.Count, checkpoint.Sequence, $"the checkpoint at entry {checkpoint.Sequence} has an invalid signature");
            }
        }

        var checkpointAt = checkpoints.ToDictionary(c => c.Sequence);
        var head = await db.AuditChainHeads.AsNoTracking().SingleOrDefaultAsync(h => h.Id == AuditChainHead.SingletonId, cancellationToken);
        if (head is null)
        {
            return Bad(0, 0, 1, "the chain head is missing");
        }

        // Reading and hashing overlap: one task reads rows into a bounded queue while this one
        // hashes (a million entries take about as long to read as to hash).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var queue = Channel.CreateBounded<AuditEntry>(new BoundedChannelOptions(8192) { SingleReader = true, SingleWriter = true });
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var row in new AuditSql(db).ReadAllAsync(stop.Token))
                {
                    await queue.Writer.WriteAsync(row, stop.Token);
                }

                queue.Writer.Complete();
            }
            catch (Exception ex)
            {
                queue.Writer.Complete(ex);
            }
        }, CancellationToken.None);
        try
        {
            return await WalkAsync(queue.Reader, checkpoints, checkpointAt, head, cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await reader;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private async Task<AuditVerification> WalkAsync(
        ChannelReader<AuditEntry> entries, List<AuditCheckpoint> checkpoints, Dictionary<long, AuditCheckpoint> checkpointAt, AuditChainHead head, CancellationToken cancellationToken)
    {
        var previous = AuditChain.Genesis;
        long expected = 1;
        long lastGoodCheckpoint = 0;
        await foreach (var entry in entries.ReadAllAsync(cancellationToken))
        {
            if (entry.Sequence != expected)
            {
                return entry.Sequence > expected
                    ? Bad(expected - 1, checkpoints.Count, expected, $"entry {expected} is missing (deleted)")
                    : Bad(expected - 1, checkpoints.Count, entry.Sequence, $"entry {entry.Sequence} appears out of order or twice");
            }

            if (!entry.PreviousHash.AsSpan().SequenceEqual(previous))
            {
                return Bad(expected - 1, checkpoints.Count, entry.Sequence, $"entry {entry.Sequence} does not link to entry {entry.Sequence - 1} (reordered or inserted)");
            }

            var computed = AuditChain.ComputeHash(previous, entry);
            if (!computed.AsSpan().SequenceEqual(entry.Hash))
            {
                return Bad(expected - 1, checkpoints.Count, entry.Sequence, $"entry {entry.Sequence} was modified");
            }

            if (checkpointAt.TryGetValue(entry.Sequence, out var checkpoint))
            {
                if (!checkpoint.Hash.AsSpan().SequenceEqual(computed))
                {
                    // The rows agree with each other but not with what was signed: the chain was
                    // rewritten after entry lastGoodCheckpoint.
                    return Bad(expected - 1, checkpoints.Count, lastGoodCheckpoint + 1,
                        $"the chain was rewritten after entry {lastGoodCheckpoint}: the signed checkpoint at entry {entry.Sequence} does not match");
                }

                lastGoodCheckpoint = entry.Sequence;
            }

            previous = computed;
            expected++;
        }

        var last = expected - 1;
        var lateCheckpoint = checkpoints.FirstOrDefault(c => c.Sequence > last);
        if (lateCheckpoint is not null)
        {
            return Bad(last, checkpoints.Count, last + 1, $"entries after {last} were removed: a signed checkpoint exists at entry {lateCheckpoint.Sequence}");
        }

        if (head.LastSequence == 0 && last == 0)
        {
            return new AuditVerification(true, 0, 0, null, "the audit trail is empty");
        }

        if (head.Signature is null || !signer.VerifyHead(head.LastSequence, head.LastHash, head.Signature))
        {
            return Bad(last, checkpoints.Count, lastGoodCheckpoint + 1, $"the chain head has an invalid signature; entries after {lastGoodCheckpoint} cannot be trusted");
        }

        if (head.LastSequence > last)
        {
            return Bad(last, checkpoints.Count, last + 1, $"entries {last + 1} to {head.LastSequence} were removed (the signed head points at {head.LastSequence})");
        }

        if (head.LastSequence < last)
        {
            return Bad(last, checkpoints.Count, head.LastSequence + 1, $"entries after {head.LastSequence} were added outside the audit writer");
        }

        if (!head.LastHash.AsSpan().SequenceEqual(previous))
        {
            return Bad(last, checkpoints.Count, lastGoodCheckpoint + 1, $"the chain was rewritten after entry {lastGoodCheckpoint}: the signed head does not match");
        }

        return new AuditVerification(true, last, checkpoints.Count, null, $"{last} entries and {checkpoints.Count} checkpoints verified");
    }

    private static AuditVerification Bad(long checkedCount, long checkpoints, long firstBad, string message) =>
        new(false, checkedCount, checkpoints, firstBad, message);
}
