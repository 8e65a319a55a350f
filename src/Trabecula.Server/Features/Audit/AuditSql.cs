using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;

namespace Trabecula.Server.Features.Audit;

/// <summary>
/// The audit writer's SQL, the same text on SQLite and PostgreSQL. Values are bound the way EF
/// stores them on each provider (on SQLite: GUIDs as upper-case text, times as ISO text), so that
/// EF reads back exactly what was hashed.
/// </summary>
internal sealed class AuditSql(TrabeculaDbContext db)
{
    private const string EntryColumns =
        "\"Sequence\", \"OccurredAt\", \"ActorType\", \"ActorId\", \"ActorName\", \"ActorRealName\", \"ActorOrganizationId\", " +
        "\"ActorOrganizationName\", \"SessionId\", \"RequestId\", \"Action\", \"TargetType\", \"TargetId\", \"OrderId\", \"Outcome\", " +
        "\"SourceIp\", \"UserAgent\", \"Details\", \"PreviousHash\", \"Hash\"";

    private readonly bool _sqlite = db.Database.IsSqlite();
    private readonly DbConnection _connection = db.Database.GetDbConnection();

    public async Task<AuditChainHead> LockHeadAsync(DbTransaction transaction)
    {
        await using (var lockHead = Command(transaction, "UPDATE \"AuditChainHeads\" SET \"Id\" = \"Id\" WHERE \"Id\" = 1"))
        {
            await lockHead.ExecuteNonQueryAsync();
        }

        await using var read = Command(transaction, "SELECT \"LastSequence\", \"LastHash\", \"LastCheckpointAt\" FROM \"AuditChainHeads\" WHERE \"Id\" = 1");
        await using var reader = await read.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException("The audit chain head row is missing; run 'trabecula db migrate'.");
        }

        return new AuditChainHead
        {
            LastSequence = reader.GetInt64(0),
            LastHash = (byte[])reader.GetValue(1),
            LastCheckpointAt = ReadTime(reader, 2),
        };
    }

    public InsertEntryCommand PrepareInsertEntry(DbTransaction transaction)
    {
        var names = Enumerable.Range(0, 20).Select(i => "@p" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var command = Command(transaction, $"INSERT INTO \"AuditEntries\" ({EntryColumns}) VALUES ({string.Join(", ", names)})");
        var parameters = names.Select(name =>
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
            return parameter;
        }).ToArray();
        return new InsertEntryCommand(this, command, parameters);
    }

    public async Task InsertCheckpointAsync(DbTransaction transaction, AuditCheckpoint checkpoint)
    {
        await using var command = Command(transaction,
            "INSERT INTO \"AuditCheckpoints\" (\"Sequence\", \"Hash\", \"CreatedAt\", \"KeyId\", \"Signature\") VALUES (@s, @h, @c, @k, @g)");
        Add(command, "@s", checkpoint.Sequence);
        Add(command, "@h", checkpoint.Hash);
        Add(command, "@c", Time(checkpoint.CreatedAt));
        Add(command, "@k", checkpoint.KeyId);
        Add(command, "@g", checkpoint.Signature);
        await command.ExecuteNonQueryAsync();
    }

    public async Task UpdateHeadAsync(DbTransaction transaction, AuditChainHead head)
    {
        await using var command = Command(transaction,
            "UPDATE \"AuditChainHeads\" SET \"LastSequence\" = @s, \"LastHash\" = @h, \"UpdatedAt\" = @u, \"LastCheckpointAt\" = @c, " +
            "\"KeyId\" = @k, \"Signature\" = @g WHERE \"Id\" = 1");
        Add(command, "@s", head.LastSequence);
        Add(command, "@h", head.LastHash);
        Add(command, "@u", Time(head.UpdatedAt));
        Add(command, "@c", Time(head.LastCheckpointAt));
        Add(command, "@k", (object?)head.KeyId ?? DBNull.Value);
        Add(command, "@g", (object?)head.Signature ?? DBNull.Value);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Streams every entry in sequence order with a plain data reader: verification of a million
    /// entries is bound by this read, and EF's materializer roughly doubled it.
    /// </summary>
    public async IAsyncEnumerable<AuditEntry> ReadAllAsync(
        long? fromSequence = null,
        long? toSequence = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_connection.State != System.Data.ConnectionState.Open)
        {
            await _connection.OpenAsync(cancellationToken);
        }

        await using var command = _connection.CreateCommand();
        var where = (fromSequence, toSequence) switch
        {
            (null, null) => "",
            (not null, null) => " WHERE \"Sequence\" >= @from",
            (null, not null) => " WHERE \"Sequence\" <= @to",
            _ => " WHERE \"Sequence\" >= @from AND \"Sequence\" <= @to",
        };
        command.CommandText = $"SELECT {EntryColumns} FROM \"AuditEntries\"{where} ORDER BY \"Sequence\"";
        if (fromSequence is { } from)
        {
            Add(command, "@from", from);
        }

        if (toSequence is { } to)
        {
            Add(command, "@to", to);
        }

        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new AuditEntry
            {
                Sequence = reader.GetInt64(0),
                OccurredAt = ReadTime(reader, 1),
                ActorType = EnumValues<AuditActorType>.Parse(reader.GetString(2)),
                ActorId = NullableString(reader, 3),
                ActorName = NullableString(reader, 4),
                ActorRealName = NullableString(reader, 5),
                ActorOrganizationId = NullableGuid(reader, 6),
                ActorOrganizationName = NullableString(reader, 7),
                SessionId = NullableString(reader, 8),
                RequestId = NullableString(reader, 9),
                Action = EnumValues<AuditAction>.Parse(reader.GetString(10)),
                TargetType = NullableString(reader, 11),
                TargetId = NullableString(reader, 12),
                OrderId = NullableGuid(reader, 13),
                Outcome = EnumValues<AuditOutcome>.Parse(reader.GetString(14)),
                SourceIp = NullableString(reader, 15),
                UserAgent = NullableString(reader, 16),
                Details = NullableString(reader, 17),
                PreviousHash = reader.GetFieldValue<byte[]>(18),
                Hash = reader.GetFieldValue<byte[]>(19),
            };
        }
    }

    private static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private Guid? NullableGuid(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : _sqlite ? System.Guid.Parse(reader.GetString(ordinal)) : reader.GetGuid(ordinal);

    private DbCommand Command(DbTransaction transaction, string text)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        return command;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private object Time(DateTime utc) =>
        _sqlite ? utc.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture) : utc;

    private object Guid(Guid? value) =>
        value is null ? DBNull.Value : _sqlite ? value.Value.ToString("D").ToUpperInvariant() : value.Value;

    private static object Text(string? value) => (object?)value ?? DBNull.Value;

    private DateTime ReadTime(DbDataReader reader, int ordinal) =>
        DateTime.SpecifyKind(_sqlite
            ? DateTime.ParseExact(reader.GetString(ordinal), "yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)
            : reader.GetDateTime(ordinal), DateTimeKind.Utc);

    /// <summary>One prepared INSERT reused for every entry of a batch.</summary>
    internal sealed class InsertEntryCommand(AuditSql sql, DbCommand command, DbParameter[] p) : IAsyncDisposable
    {
        private bool _prepared;

        public async Task ExecuteAsync(AuditEntry e)
        {
            p[0].Value = e.Sequence;
            p[1].Value = sql.Time(e.OccurredAt);
            p[2].Value = e.ActorType.ToString();
            p[3].Value = Text(e.ActorId);
            p[4].Value = Text(e.ActorName);
            p[5].Value = Text(e.ActorRealName);
            p[6].Value = sql.Guid(e.ActorOrganizationId);
            p[7].Value = Text(e.ActorOrganizationName);
            p[8].Value = Text(e.SessionId);
            p[9].Value = Text(e.RequestId);
            p[10].Value = e.Action.ToString();
            p[11].Value = Text(e.TargetType);
            p[12].Value = Text(e.TargetId);
            p[13].Value = sql.Guid(e.OrderId);
            p[14].Value = e.Outcome.ToString();
            p[15].Value = Text(e.SourceIp);
            p[16].Value = Text(e.UserAgent);
            p[17].Value = Text(e.Details);
            p[18].Value = e.PreviousHash;
            p[19].Value = e.Hash;
            if (!_prepared)
            {
                await command.PrepareAsync();
                _prepared = true;
            }

            await command.ExecuteNonQueryAsync();
        }

        public ValueTask DisposeAsync() => command.DisposeAsync();
    }

    /// <summary>Enum names as stored, parsed through a dictionary (Enum.Parse reflects on every call).</summary>
    private static class EnumValues<T>
        where T : struct, Enum
    {
        private static readonly Dictionary<string, T> Values = Enum.GetValues<T>().ToDictionary(v => v.ToString(), StringComparer.Ordinal);

        public static T Parse(string name) => Values.TryGetValue(name, out var value) ? value : Enum.Parse<T>(name);
    }
}
