using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Infrastructure.Hosting;

namespace Trabecula.Bench;

internal static class AuditBench
{
    /// <summary>
    /// Appends through the real appender (hash, sign head, group commit, synchronous=FULL) from
    /// <paramref name="concurrency"/> concurrent callers. Anchor: the same number of rows of the
    /// same size inserted in transactions of the same size, with no hashing or signing: the
    /// database's own ceiling on this machine.
    /// </summary>
    public static async Task AppendAsync(string provider, int entries, int concurrency)
    {
        await using var platform = await Platform.StartAsync(provider);
        var appender = platform.Services.GetRequiredService<AuditAppender>();
        var next = 0;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= entries)
            {
                await appender.AppendAsync(SampleEntry(next));
            }
        })));
        stopwatch.Stop();
        Report.Line($"Trabecula audit append, {provider}, {concurrency} callers", Report.PerSecond(entries, stopwatch), "entries/s",
            $"{entries} entries in {stopwatch.Elapsed.TotalSeconds:F2} s; durable (group commit)");

        await using (var scope = platform.Services.CreateAsyncScope())
        {
            var result = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync();
            if (!result.IsValid || result.EntriesChecked != entries)
            {
                throw new InvalidOperationException("the benchmarked chain does not verify: " + result.Message);
            }
        }

        var anchor = await RawInsertAsync(platform, "bench_raw_batched", entries, batch: 512);
        Report.Line($"anchor: plain INSERT, {provider}, 512 rows per transaction", anchor, "rows/s", "same row size, no hashing or signing");
        var single = Math.Min(entries, 3000);
        var perCommit = await RawInsertAsync(platform, "bench_raw_single", single, batch: 1);
        Report.Line($"anchor: plain INSERT, {provider}, 1 row per transaction", perCommit, "rows/s", $"{single} rows: the cost of one durable commit");
    }

    /// <summary>
    /// Builds a valid chain of <paramref name="entries"/> rows (checkpoint every 1000) with bulk
    /// inserts, then times the verifier. Anchor: SHA-256 over the same canonical bytes in memory.
    /// </summary>
    public static async Task VerifyAsync(string provider, int entries)
    {
        await using var platform = await Platform.StartAsync(provider);
        await AppendToChainAsync(platform.Services, entries);

        await using var scope = platform.Services.CreateAsyncScope();
        var verifier = scope.ServiceProvider.GetRequiredService<AuditVerifier>();
        var stopwatch = Stopwatch.StartNew();
        var result = await verifier.VerifyAsync();
        stopwatch.Stop();
        if (!result.IsValid)
        {
            throw new InvalidOperationException(result.Message);
        }

        Report.Line($"Trabecula audit verify, {provider}, {entries} entries", stopwatch.Elapsed.TotalSeconds, "s",
            $"{Report.PerSecond(entries, stopwatch):F0} entries/s; {result.CheckpointsChecked} checkpoints");

        var hashOnly = Stopwatch.StartNew();
        var previous = AuditChain.Genesis;
        for (var i = 1; i <= entries; i++)
        {
            var entry = SampleEntry(i);
            entry.Sequence = i;
            previous = AuditChain.ComputeHash(previous, entry);
        }

        hashOnly.Stop();
        Report.Line($"anchor: encode + SHA-256 of {entries} entries in memory", hashOnly.Elapsed.TotalSeconds, "s", "no database");
    }

    internal static AuditEntry SampleEntry(int i) => new()
    {
        ActorType = AuditActorType.User,
        ActorId = "0198f3a0-0000-7000-8000-" + (i % 50).ToString("D12", CultureInfo.InvariantCulture),
        ActorName = "user" + (i % 50).ToString(CultureInfo.InvariantCulture),
        ActorRealName = "张医生",
        ActorOrganizationId = Guid.Parse("11111111-2222-3333-4444-555555555555"),
        ActorOrganizationName = "示范医院（华东）",
        SessionId = "s" + (i % 200).ToString(CultureInfo.InvariantCulture),
        RequestId = "0HNQ85UKA2THS:" + i.ToString("X8", CultureInfo.InvariantCulture),
        Action = AuditAction.DataViewed,
        TargetType = "dataset",
        TargetId = "ds-" + i.ToString(CultureInfo.InvariantCulture),
        OrderId = Guid.Parse("99999999-2222-3333-4444-555555555555"),
        Outcome = AuditOutcome.Success,
        SourceIp = "10.20.30.40",
        UserAgent = "Mozilla/5.0 (X11; Linux x86_64) Chrome/156",
        Details = "{\"series\":3,\"bytes\":157286400}",
    };

    private static async Task<double> RawInsertAsync(Platform platform, string table, int rows, int batch)
    {
        await using var scope = platform.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await Execute(connection, null, $"CREATE TABLE {table} (seq BIGINT PRIMARY KEY, body TEXT NOT NULL, hash {(platform.IsPostgres ? "BYTEA" : "BLOB")} NOT NULL)");
        var body = new string('x', 420);
        var hash = new byte[32];
        var stopwatch = Stopwatch.StartNew();
        for (var start = 1; start <= rows; start += batch)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"INSERT INTO {table} (seq, body, hash) VALUES (@seq, @body, @hash)";
            var seq = Parameter(command, "@seq", 0L);
            Parameter(command, "@body", body);
            Parameter(command, "@hash", hash);
            await command.PrepareAsync();
            for (var i = start; i < start + batch && i <= rows; i++)
            {
                seq.Value = (long)i;
                await command.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
        }

        stopwatch.Stop();
        return Report.PerSecond(rows, stopwatch);
    }

    /// <summary>Appends to the existing chain exactly as the appender would, in large transactions.</summary>
    internal static async Task AppendToChainAsync(IServiceProvider services, int entries)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var signer = services.GetRequiredService<AuditSigner>();
        var head = await db.AuditChainHeads.AsNoTracking().SingleAsync();
        var previous = head.LastHash;
        var first = head.LastSequence + 1;
        var last = head.LastSequence + entries;
        var now = AuditChain.TruncateToMicroseconds(DateTime.SpecifyKind(new DateTime(2026, 11, 22, 8, 0, 0), DateTimeKind.Utc));
        const int Batch = 10000;
        for (var start = first; start <= last; start += Batch)
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync();
            for (var i = start; i < start + Batch && i <= last; i++)
            {
                var entry = SampleEntry((int)i);
                entry.Sequence = i;
                entry.OccurredAt = now;
                entry.PreviousHash = previous;
                entry.Hash = AuditChain.ComputeHash(previous, entry);
                previous = entry.Hash;
                db.AuditEntries.Add(entry);
                if (i % 1000 == 0)
                {
                    db.AuditCheckpoints.Add(new AuditCheckpoint { Sequence = i, Hash = entry.Hash, CreatedAt = now, KeyId = signer.KeyId, Signature = signer.SignCheckpoint(i, entry.Hash, now) });
                }
            }

            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        }

        var tracked = await db.AuditChainHeads.SingleAsync();
        tracked.LastSequence = last;
        tracked.LastHash = previous;
        tracked.KeyId = signer.KeyId;
        tracked.Signature = signer.SignHead(last, previous);
        await db.SaveChangesAsync();
    }

    private static DbParameter Parameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private static async Task Execute(DbConnection connection, DbTransaction? transaction, string sql)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The real platform's services on a fresh database in a temp folder.</summary>
    private sealed class Platform : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly string _folder;

        private Platform(WebApplication app, string folder, bool isPostgres)
        {
            _app = app;
            _folder = folder;
            IsPostgres = isPostgres;
        }

        public IServiceProvider Services => _app.Services;

        public bool IsPostgres { get; }

        public static async Task<Platform> StartAsync(string provider)
        {
            var folder = Directory.CreateTempSubdirectory("trabecula-bench-").FullName;
            var isPostgres = provider.Equals("postgresql", StringComparison.OrdinalIgnoreCase);
            var args = new List<string>
            {
                $"--Data:Directory={folder}",
                "--Logging:LogLevel:Default=Warning",
                "--Logging:Console:LogToStandardErrorThreshold=Trace",
                "--Audit:CheckpointEveryEntries=1000",
            };
            if (isPostgres)
            {
                var admin = Environment.GetEnvironmentVariable("TRABECULA_BENCH_POSTGRES")
                    ?? throw new InvalidOperationException("set TRABECULA_BENCH_POSTGRES (bench/audit.sh does)");
                var name = "bench_" + Guid.NewGuid().ToString("N")[..12];
                await using (var connection = new NpgsqlConnection(admin))
                {
                    await connection.OpenAsync();
                    await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
                    await command.ExecuteNonQueryAsync();
                }

                args.Add("--Database:Provider=PostgreSQL");
                args.Add("--Database:ConnectionString=" + new NpgsqlConnectionStringBuilder(admin) { Database = name });
            }

            var app = Program.BuildApp([.. args]);
            StartupChecks.Run(app.Services);
            await app.Services.MigrateDatabaseAsync();
            return new Platform(app, folder, isPostgres);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.DisposeAsync();
            Directory.Delete(_folder, recursive: true);
        }
    }
}
