using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Audit;

/// <summary>
/// INT-02: the audit trail on both databases. 25 entries with a checkpoint every 10, then each kind
/// of tampering, done the way an attacker with database access would (triggers disabled first),
/// must be named at the right sequence number by the verifier.
/// </summary>
public sealed class AuditTrailTests
{
    private const int Entries = 25;

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-SEC-2")]
    [Trait("TestPlan", "INT-02")]
    public async Task Verify_UntouchedChain_IsValid(DatabaseKind kind)
    {
        await using var audit = await AuditFixture.CreateAsync(kind);

        var result = await audit.VerifyAsync();
        var split = await audit.VerifyAsync(rangeLength: 4);

        Assert.True(result.IsValid, result.Message);
        Assert.True(split.IsValid, split.Message);
        Assert.Equal(Entries, split.EntriesChecked);
        Assert.Equal(Entries, result.EntriesChecked);
        // Every 10 entries, plus the first batch (more than 10 minutes after the empty chain's time).
        Assert.Equal(3, result.CheckpointsChecked);
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-SEC-2")]
    [Trait("TestPlan", "INT-02")]
    public async Task AppConnection_UpdateOrDeleteOfAuditRows_IsRefused(DatabaseKind kind)
    {
        await using var audit = await AuditFixture.CreateAsync(kind);

        await Assert.ThrowsAnyAsync<DbException>(() => audit.ExecuteAsync("UPDATE \"AuditEntries\" SET \"Details\" = NULL WHERE \"Sequence\" = 3"));
        await Assert.ThrowsAnyAsync<DbException>(() => audit.ExecuteAsync("DELETE FROM \"AuditEntries\" WHERE \"Sequence\" = 25"));
        await Assert.ThrowsAnyAsync<DbException>(() => audit.ExecuteAsync("DELETE FROM \"AuditCheckpoints\""));

        Assert.True((await audit.VerifyAsync()).IsValid);
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite, "edit")]
    [InlineData(DatabaseKind.PostgreSql, "edit")]
    [InlineData(DatabaseKind.Sqlite, "delete")]
    [InlineData(DatabaseKind.PostgreSql, "delete")]
    [InlineData(DatabaseKind.Sqlite, "reorder")]
    [InlineData(DatabaseKind.PostgreSql, "reorder")]
    [InlineData(DatabaseKind.Sqlite, "insert")]
    [InlineData(DatabaseKind.PostgreSql, "insert")]
    [InlineData(DatabaseKind.Sqlite, "cut-tail")]
    [InlineData(DatabaseKind.PostgreSql, "cut-tail")]
    [InlineData(DatabaseKind.Sqlite, "cut-past-checkpoint")]
    [InlineData(DatabaseKind.PostgreSql, "cut-past-checkpoint")]
    [InlineData(DatabaseKind.Sqlite, "rewrite-chain")]
    [Trait("Requirement", "R-SEC-2")]
    [Trait("TestPlan", "INT-02")]
    public async Task Verify_Tampering_NamesFirstBadSequence(DatabaseKind kind, string tampering)
    {
        await using var audit = await AuditFixture.CreateAsync(kind);
        await audit.DisableTriggersAsync();

        long expected;
        switch (tampering)
        {
            case "edit":
                // A denied access turned into a granted one.
                await audit.ExecuteAsync("UPDATE \"AuditEntries\" SET \"Outcome\" = 'Success' WHERE \"Sequence\" = 6");
                expected = 6;
                break;
            case "delete":
                await audit.ExecuteAsync("DELETE FROM \"AuditEntries\" WHERE \"Sequence\" = 12");
                expected = 12;
                break;
            case "reorder":
                // Swap the contents of 3 and 4 (their sequence numbers stay).
                await audit.ExecuteAsync("UPDATE \"AuditEntries\" SET \"Sequence\" = -3 WHERE \"Sequence\" = 3");
                await audit.ExecuteAsync("UPDATE \"AuditEntries\" SET \"Sequence\" = 3 WHERE \"Sequence\" = 4");
                await audit.ExecuteAsync("UPDATE \"AuditEntries\" SET \"Sequence\" = 4 WHERE \"Sequence\" = -3");
                expected = 3;
                break;
            case "insert":
                await audit.ExecuteAsync(
                    "INSERT INTO \"AuditEntries\" (\"Sequence\", \"OccurredAt\", \"ActorType\", \"Action\", \"Outcome\", \"PreviousHash\", \"Hash\") " +
                    "SELECT 26, \"OccurredAt\", 'System', 'DataDeleted', 'Success', \"Hash\", \"Hash\" FROM \"AuditEntries\" WHERE \"Sequence\" = 25");
                expected = 26;
                break;
            case "cut-tail":
                await audit.ExecuteAsync("DELETE FROM \"AuditEntries\" WHERE \"Sequence\" > 21");
                expected = 22;
                break;
            case "cut-past-checkpoint":
                await audit.ExecuteAsync("DELETE FROM \"AuditEntries\" WHERE \"Sequence\" > 15");
                expected = 16;
                break;
            case "rewrite-chain":
                // An attacker who knows the algorithm recomputes every hash after editing entry 12:
                // the rows agree with each other, but not with the signed checkpoint at 20, so
                // everything after the last good checkpoint (10) is suspect.
                await audit.RewriteFromAsync(12);
                expected = 11;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(tampering));
        }

        var result = await audit.VerifyAsync();
        var split = await audit.VerifyAsync(rangeLength: 4);

        Assert.False(result.IsValid);
        Assert.Equal(expected, result.FirstBadSequence);
        Assert.False(split.IsValid);
        Assert.Equal(expected, split.FirstBadSequence);
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-SEC-2")]
    public async Task Record_ManyConcurrentCallers_GetContiguousSequenceAndValidChain(DatabaseKind kind)
    {
        await using var audit = await AuditFixture.CreateAsync(kind, entries: 0);
        using var scope = audit.Factory.Services.CreateScope();
        var log = scope.ServiceProvider.GetRequiredService<IAuditLog>();

        var sequences = await Task.WhenAll(Enumerable.Range(0, 300).Select(i =>
            Task.Run(() => log.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "test", TargetId = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }))));

        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), sequences.Order());
        var result = await audit.VerifyAsync();
        Assert.True(result.IsValid, result.Message);
        Assert.InRange(result.CheckpointsChecked, 30, 31);
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-SEC-2")]
    public async Task Record_TwoProcessesOnOneDatabase_KeepOneValidChain(DatabaseKind kind)
    {
        // Two hosts (each with its own appender, as two server processes would have) on the same
        // database and data folder (so the same master key) append at the same time.
        await using var first = await AuditFixture.CreateAsync(kind, entries: 0);
        await using var second = new AuditFixture(first.Factory.Sibling());
        _ = second.Factory.Server;

        var writers = new[] { first.Factory, second.Factory }.Select(factory => Task.Run(async () =>
        {
            using var scope = factory.Services.CreateScope();
            var log = scope.ServiceProvider.GetRequiredService<IAuditLog>();
            await Task.WhenAll(Enumerable.Range(0, 150).Select(i => log.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetId = i.ToString(System.Globalization.CultureInfo.InvariantCulture) })));
        }));
        await Task.WhenAll(writers);

        var result = await first.VerifyAsync();
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(300, result.EntriesChecked);
    }

    /// <summary>A platform with <c>entries</c> audit entries and a checkpoint every 10.</summary>
    internal sealed class AuditFixture : IAsyncDisposable
    {
        internal AuditFixture(TrabeculaFactory factory) => Factory = factory;

        public TrabeculaFactory Factory { get; }

        public static async Task<AuditFixture> CreateAsync(DatabaseKind kind, int entries = Entries)
        {
            var factory = await TrabeculaFactory.CreateAsync(kind, settings: new Dictionary<string, string?> { ["Audit:CheckpointEveryEntries"] = "10" });
            _ = factory.Server;
            using var scope = factory.Services.CreateScope();
            var log = scope.ServiceProvider.GetRequiredService<IAuditLog>();
            for (var i = 1; i <= entries; i++)
            {
                await log.RecordAsync(new AuditEvent(AuditAction.DataViewed, i % 3 == 0 ? AuditOutcome.Denied : AuditOutcome.Success)
                {
                    TargetType = "dataset",
                    TargetId = $"ds-{i}",
                    Actor = new AuditActor(AuditActorType.User, $"user-{i % 4}", $"user{i % 4}", "张医生"),
                    Details = new Dictionary<string, object?> { ["n"] = i },
                });
            }

            return new AuditFixture(factory);
        }

        /// <summary>Verifies; a small <paramref name="rangeLength"/> splits the walk into ranges, as a long chain would be.</summary>
        public async Task<AuditVerification> VerifyAsync(long? rangeLength = null)
        {
            await using var scope = Factory.Services.CreateAsyncScope();
            var verifier = scope.ServiceProvider.GetRequiredService<AuditVerifier>();
            if (rangeLength is { } length)
            {
                verifier.MinimumRangeLength = length;
            }

            return await verifier.VerifyAsync();
        }

        public async Task ExecuteAsync(string sql)
        {
            await using var scope = Factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
            var connection = db.Database.GetDbConnection();
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }

        /// <summary>What a database superuser can do: take the append-only triggers away.</summary>
        public Task DisableTriggersAsync() => Factory.Kind == DatabaseKind.PostgreSql
            ? ExecuteAsync("ALTER TABLE \"AuditEntries\" DISABLE TRIGGER USER; ALTER TABLE \"AuditCheckpoints\" DISABLE TRIGGER USER;")
            : ExecuteAsync("DROP TRIGGER \"AuditEntries_no_update\"; DROP TRIGGER \"AuditEntries_no_delete\"; DROP TRIGGER \"AuditCheckpoints_no_update\"; DROP TRIGGER \"AuditCheckpoints_no_delete\";");

        /// <summary>Edits entry <paramref name="from"/> and recomputes the hash chain from there on.</summary>
        public async Task RewriteFromAsync(long from)
        {
            await using var scope = Factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
            var entries = await db.AuditEntries.OrderBy(e => e.Sequence).ToListAsync();
            var previous = AuditChain.Genesis;
            foreach (var entry in entries)
            {
                if (entry.Sequence == from)
                {
                    Assert.Equal(AuditOutcome.Denied, entry.Outcome);
                    entry.Outcome = AuditOutcome.Success;
                }

                if (entry.Sequence >= from)
                {
                    entry.PreviousHash = previous;
                    entry.Hash = AuditChain.ComputeHash(previous, entry);
                }

                previous = entry.Hash;
            }

            await db.SaveChangesAsync();
        }

        public async ValueTask DisposeAsync() => await Factory.DisposeAsync();
    }
}
