using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;

namespace Trabecula.Server.Features.Audit;

/// <summary>The verdict of a walk over the chain.</summary>
public sealed record AuditVerification(bool IsValid, long EntriesChecked, long CheckpointsChecked, long? FirstBadSequence, string Message);

/// <summary>
/// Walks the whole chain and checks that: sequence numbers run 1, 2, 3, ... without gaps or
/// repeats (deletion, insertion); each entry's hash is SHA-256 of the previous hash and its own
/// canonical bytes (edits, reordering); each checkpoint is signed and matches its entry; and the
/// signed head points at the last entry (cutting the tail). It names the first bad sequence number.
/// Because every row stores the previous hash, ranges of the chain verify independently: the
/// walk is split across the cores, each range on its own connection, and the ranges are joined by
/// comparing the hashes at their seams. Memory does not grow with the chain.
/// </summary>
public sealed class AuditVerifier(TrabeculaDbContext db, AuditSigner signer, IServiceScopeFactory scopes)
{
    /// <summary>Shortest range worth its own connection; tests lower it to exercise the seams.</summary>
    internal long MinimumRangeLength { get; set; } = 50_000;

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

        var head = await db.AuditChainHeads.AsNoTracking().SingleOrDefaultAsync(h => h.Id == AuditChainHead.SingletonId, cancellationToken);
        if (head is null)
        {
            return Bad(0, 0, 1, "the chain head is missing");
        }

        var maxSequence = await db.AuditEntries.MaxAsync(e => (long?)e.Sequence, cancellationToken) ?? 0;
        var ranges = Split(Math.Max(maxSequence, head.LastSequence), MinimumRangeLength);
        var checkpointAt = checkpoints.ToDictionary(c => c.Sequence);
        var results = await Task.WhenAll(ranges.Select(r => Task.Run(() => WalkRangeAsync(r.From, r.To, checkpointAt, cancellationToken), cancellationToken)));

        // Join the ranges in order: the first problem (in sequence order) wins.
        var previousLast = AuditChain.Genesis;
        long checkedCount = 0;
        long lastGoodCheckpoint = 0;
        foreach (var range in results)
        {
            // The seam: a range's first row must link to the previous range's last hash.
            var first = range.FirstRow;
            if (first is not null && first.Sequence == range.From && !first.PreviousHash.AsSpan().SequenceEqual(previousLast))
            {
                return Bad(checkedCount, checkpoints.Count, first.Sequence, $"entry {first.Sequence} does not link to entry {first.Sequence - 1} (reordered or inserted)");
            }

            if (range.FirstBad is { } bad)
            {
                var message = range.RewrittenAfterCheckpoint
                    ? $"the chain was rewritten after entry {Math.Max(lastGoodCheckpoint, range.LastGoodCheckpoint)}: {range.Message}"
                    : range.Message!;
                var firstBad = range.RewrittenAfterCheckpoint ? Math.Max(lastGoodCheckpoint, range.LastGoodCheckpoint) + 1 : bad;
                return Bad(checkedCount + range.Checked, checkpoints.Count, firstBad, message);
            }

            checkedCount += range.Checked;
            lastGoodCheckpoint = Math.Max(lastGoodCheckpoint, range.LastGoodCheckpoint);
            if (range.LastHash is not null)
            {
                previousLast = range.LastHash;
            }
        }

        var last = checkedCount;
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

        if (!head.LastHash.AsSpan().SequenceEqual(previousLast))
        {
            return Bad(last, checkpoints.Count, lastGoodCheckpoint + 1, $"the chain was rewritten after entry {lastGoodCheckpoint}: the signed head does not match");
        }

        return new AuditVerification(true, last, checkpoints.Count, null, $"{last} entries and {checkpoints.Count} checkpoints verified");
    }

    /// <summary>Ranges of sequence numbers, one per core; the first is open below and the last open above so that stray rows are seen.</summary>
    private static List<(long? From, long? To)> Split(long max, long minimumLength)
    {
        var count = (int)Math.Clamp(max / minimumLength, 1, Math.Max(2, Environment.ProcessorCount));
        var ranges = new List<(long? From, long? To)>(count);
        var size = max / count;
        for (var i = 0; i < count; i++)
        {
            long? from = i == 0 ? null : (i * size) + 1;
            long? to = i == count - 1 ? null : (i + 1) * size;
            ranges.Add((from, to));
        }

        return ranges;
    }

    private async Task<RangeResult> WalkRangeAsync(long? from, long? to, Dictionary<long, AuditCheckpoint> checkpointAt, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var rangeDb = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var result = new RangeResult { From = from ?? 1 };
        var expected = from ?? 1;
        byte[]? previous = null;
        await foreach (var entry in new AuditSql(rangeDb).ReadAllAsync(from, to, cancellationToken))
        {
            if (result.FirstRow is null)
            {
                result.FirstRow = entry;
            }

            if (entry.Sequence != expected)
            {
                return result.Fail(entry.Sequence > expected ? expected : entry.Sequence, entry.Sequence > expected
                    ? $"entry {expected} is missing (deleted)"
                    : $"entry {entry.Sequence} appears out of order or twice");
            }

            if (previous is not null && !entry.PreviousHash.AsSpan().SequenceEqual(previous))
            {
                return result.Fail(entry.Sequence, $"entry {entry.Sequence} does not link to entry {entry.Sequence - 1} (reordered or inserted)");
            }

            var computed = AuditChain.ComputeHash(entry.PreviousHash, entry);
            if (!computed.AsSpan().SequenceEqual(entry.Hash))
            {
                return result.Fail(entry.Sequence, $"entry {entry.Sequence} was modified");
            }

            if (checkpointAt.TryGetValue(entry.Sequence, out var checkpoint))
            {
                if (!checkpoint.Hash.AsSpan().SequenceEqual(computed))
                {
                    result.RewrittenAfterCheckpoint = true;
                    return result.Fail(entry.Sequence, $"the signed checkpoint at entry {entry.Sequence} does not match");
                }

                result.LastGoodCheckpoint = entry.Sequence;
            }

            previous = computed;
            result.LastHash = computed;
            result.Checked++;
            expected++;
        }

        // A closed range must end where it was asked to: anything short is a deletion.
        return to is { } end && expected <= end ? result.Fail(expected, $"entry {expected} is missing (deleted)") : result;
    }

    private static AuditVerification Bad(long checkedCount, long checkpoints, long firstBad, string message) =>
        new(false, checkedCount, checkpoints, firstBad, message);

    private sealed class RangeResult
    {
        public long From { get; init; }

        public AuditEntry? FirstRow { get; set; }

        public long Checked { get; set; }

        public byte[]? LastHash { get; set; }

        public long LastGoodCheckpoint { get; set; }

        public bool RewrittenAfterCheckpoint { get; set; }

        public long? FirstBad { get; private set; }

        public string? Message { get; private set; }

        public RangeResult Fail(long sequence, string message)
        {
            FirstBad = sequence;
            Message = message;
            return this;
        }
    }
}
