using System.Threading.Channels;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Trabecula.Server.Data;

namespace Trabecula.Server.Features.Audit;

/// <summary>
/// Persists audit entries ("persist an entry", split from "record an event" as in Bitwarden's
/// IEventWriteService). Entries from all requests of this process queue up and are written by one
/// loop in batches, each batch one transaction (group commit), so durability (SQLite
/// synchronous=FULL) costs one sync per batch rather than per entry. A caller's task completes
/// only after its entry's transaction committed: nothing reported as written is lost.
/// Several processes are serialised by the database: every batch starts by updating the chain
/// head row, which takes SQLite's write lock or PostgreSQL's row lock before the head is read.
/// The batch is written with prepared ADO.NET commands (<see cref="AuditSql"/>): EF's change
/// tracking cost more than the durable commit itself.
/// </summary>
public sealed partial class AuditAppender : IAsyncDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(100_000)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly IServiceScopeFactory _scopes;
    private readonly AuditSigner _signer;
    private readonly TimeProvider _time;
    private readonly AuditOptions _options;
    private readonly ILogger<AuditAppender> _logger;
    private readonly Lock _startLock = new();
    private Task? _loop;

    public AuditAppender(IServiceScopeFactory scopes, AuditSigner signer, TimeProvider time, IOptions<AuditOptions> options, ILogger<AuditAppender> logger)
    {
        _scopes = scopes;
        _signer = signer;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Appends <paramref name="entry"/> (sequence, time and hashes are assigned here) and returns its sequence number once committed.</summary>
    public async Task<long> AppendAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        EnsureLoop();
        var pending = new Pending(entry, new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, cancellationToken);

        // Once queued the entry will be written even if this caller stops waiting.
        return await pending.Done.Task.WaitAsync(cancellationToken);
    }

    private void EnsureLoop()
    {
        if (_loop is not null)
        {
            return;
        }

        lock (_startLock)
        {
            _loop ??= Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(_options.MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < _options.MaxBatch && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            try
            {
                await WriteBatchWithRetryAsync(batch);
                foreach (var item in batch)
                {
                    item.Done.TrySetResult(item.Entry.Sequence);
                }
            }
            catch (Exception ex)
            {
                LogBatchFailed(_logger, ex, batch.Count);
                foreach (var item in batch)
                {
                    item.Done.TrySetException(ex);
                }
            }

            batch.Clear();
        }
    }

    private async Task WriteBatchWithRetryAsync(List<Pending> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await WriteBatchAsync(batch);
                return;
            }
            catch (DbException ex) when (attempt < 3 && ex.IsTransient)
            {
                // A transient conflict with another process (SQLite busy after its timeout,
                // PostgreSQL serialization): the batch was rolled back, so write it again.
            }
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var sql = new AuditSql(db);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await WriteEntriesAsync(sql, transaction, batch.ConvertAll(p => p.Entry));
        await transaction.CommitAsync();
    }

    /// <summary>
    /// Saves <paramref name="db"/>'s pending changes and appends <paramref name="entries"/> to the
    /// chain in one transaction: one durable commit for a data write and its audit entries, and
    /// neither survives a crash without the other. The changes are saved before the chain head is
    /// locked, so two writers racing on a unique key cannot deadlock on the head (the loser fails
    /// on the key, rolls back, and nothing of it is recorded). Returns the last sequence number.
    /// </summary>
    public async Task<long> SaveChangesWithAsync(TrabeculaDbContext db, IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(entries);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);

        // A stored file's fsync ran beside the inserts above; its rows commit only once it is
        // durable (REL-01), and the chain head is locked only after that wait, so the wait does
        // not hold up other writers on PostgreSQL (SQLite's one write lock is held from the inserts).
        await db.WaitForBlobCommitsAsync();
        await WriteEntriesAsync(new AuditSql(db), transaction.GetDbTransaction(), entries);

        // Past this point the write is not cancelled: an aborted request still gets its entries.
        await transaction.CommitAsync(CancellationToken.None);
        return entries.Count == 0 ? 0 : entries[^1].Sequence;
    }

    /// <summary>Chains <paramref name="entries"/> after the head inside <paramref name="transaction"/>; the caller commits.</summary>
    private async Task WriteEntriesAsync(AuditSql sql, DbTransaction transaction, IReadOnlyList<AuditEntry> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }

        // Take the write lock before reading the head (see the class comment).
        var head = await sql.LockHeadAsync(transaction);
        var now = AuditChain.TruncateToMicroseconds(_time.GetUtcNow().UtcDateTime);
        var sequence = head.LastSequence;
        var hash = head.LastHash;
        var lastCheckpointAt = head.LastCheckpointAt;
        await using var insert = sql.PrepareInsertEntry(transaction);
        foreach (var entry in entries)
        {
            entry.Sequence = ++sequence;
            entry.OccurredAt = now;
            entry.PreviousHash = hash;
            entry.Hash = AuditChain.ComputeHash(hash, entry);
            hash = entry.Hash;
            await insert.ExecuteAsync(entry);

            var dueByCount = entry.Sequence % _options.CheckpointEveryEntries == 0;
            var dueByTime = now - lastCheckpointAt >= TimeSpan.FromMinutes(_options.CheckpointEveryMinutes) && entry == entries[^1];
            if (dueByCount || dueByTime)
            {
                await sql.InsertCheckpointAsync(transaction, new AuditCheckpoint
                {
                    Sequence = entry.Sequence,
                    Hash = entry.Hash,
                    CreatedAt = now,
                    KeyId = _signer.KeyId,
                    Signature = _signer.SignCheckpoint(entry.Sequence, entry.Hash, now),
                });
                lastCheckpointAt = now;
            }
        }

        await sql.UpdateHeadAsync(transaction, new AuditChainHead
        {
            LastSequence = sequence,
            LastHash = hash,
            UpdatedAt = now,
            LastCheckpointAt = lastCheckpointAt,
            KeyId = _signer.KeyId,
            Signature = _signer.SignHead(sequence, hash),
        });
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop;
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Critical, Message = "Could not write {Count} audit entries; the operations that produced them are reported as failed")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    private sealed record Pending(AuditEntry Entry, TaskCompletionSource<long> Done);
}
