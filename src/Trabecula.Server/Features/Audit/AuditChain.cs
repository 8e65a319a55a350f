using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Trabecula.Server.Features.Audit;

/// <summary>
/// The canonical byte encoding of an audit entry and the chain hash over it. The encoding is a
/// format: changing it breaks every existing chain, so it is versioned and pinned by a golden
/// vector test. Layout (all integers big-endian):
/// <code>
/// "TRABECULA-AUDIT-V1" | int64 sequence | int64 occurredAt UTC ticks
/// | then, for each of ActorType, ActorId, ActorName, ActorRealName, ActorOrganizationId,
///   ActorOrganizationName, SessionId, RequestId, Action, TargetType, TargetId, OrderId, Outcome,
///   SourceIp, UserAgent, Details: int32 byte length (-1 for null) | UTF-8 bytes
/// hash = SHA-256(previous hash (32 bytes; zeros before the first entry) | encoding)
/// </code>
/// Enums are encoded by name and GUIDs in the "D" format, so the bytes do not depend on either
/// database's storage.
/// </summary>
public static class AuditChain
{
    public const int HashLength = 32;

    private static readonly byte[] Magic = "TRABECULA-AUDIT-V1"u8.ToArray();

    public static byte[] Genesis => new byte[HashLength];

    public static byte[] Encode(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        using var buffer = new MemoryStream(256);
        buffer.Write(Magic);
        WriteInt64(buffer, entry.Sequence);
        WriteInt64(buffer, entry.OccurredAt.Ticks);
        WriteString(buffer, entry.ActorType.ToString());
        WriteString(buffer, entry.ActorId);
        WriteString(buffer, entry.ActorName);
        WriteString(buffer, entry.ActorRealName);
        WriteString(buffer, entry.ActorOrganizationId?.ToString("D"));
        WriteString(buffer, entry.ActorOrganizationName);
        WriteString(buffer, entry.SessionId);
        WriteString(buffer, entry.RequestId);
        WriteString(buffer, entry.Action.ToString());
        WriteString(buffer, entry.TargetType);
        WriteString(buffer, entry.TargetId);
        WriteString(buffer, entry.OrderId?.ToString("D"));
        WriteString(buffer, entry.Outcome.ToString());
        WriteString(buffer, entry.SourceIp);
        WriteString(buffer, entry.UserAgent);
        WriteString(buffer, entry.Details);
        return buffer.ToArray();
    }

    public static byte[] ComputeHash(ReadOnlySpan<byte> previousHash, AuditEntry entry)
    {
        var encoded = Encode(entry);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(previousHash);
        sha.AppendData(encoded);
        return sha.GetHashAndReset();
    }

    /// <summary>Both databases keep microseconds; hashing anything finer would not survive a round trip.</summary>
    public static DateTime TruncateToMicroseconds(DateTime utc) =>
        new(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);

    private static void WriteInt64(Stream stream, long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void WriteString(Stream stream, string? value)
    {
        Span<byte> length = stackalloc byte[4];
        if (value is null)
        {
            BinaryPrimitives.WriteInt32BigEndian(length, -1);
            stream.Write(length);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        stream.Write(length);
        stream.Write(bytes);
    }
}
