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
        var buffer = new byte[EncodedLength(entry)];
        Write(entry, buffer);
        return buffer;
    }

    public static byte[] ComputeHash(ReadOnlySpan<byte> previousHash, AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (previousHash.Length != HashLength)
        {
            throw new ArgumentException($"A chain hash is {HashLength} bytes.", nameof(previousHash));
        }

        // One buffer holding previous hash and encoding, hashed in one call: verification of a
        // million entries is dominated by this, so no stream and no per-field arrays.
        var length = HashLength + EncodedLength(entry);
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var span = rented.AsSpan(0, length);
            previousHash.CopyTo(span);
            Write(entry, span[HashLength..]);
            return SHA256.HashData(span);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static int EncodedLength(AuditEntry entry)
    {
        var length = Magic.Length + 16;
        foreach (var field in Fields(entry))
        {
            length += 4 + (field is null ? 0 : Encoding.UTF8.GetByteCount(field));
        }

        return length;
    }

    private static void Write(AuditEntry entry, Span<byte> destination)
    {
        Magic.CopyTo(destination);
        var position = Magic.Length;
        BinaryPrimitives.WriteInt64BigEndian(destination[position..], entry.Sequence);
        BinaryPrimitives.WriteInt64BigEndian(destination[(position + 8)..], entry.OccurredAt.Ticks);
        position += 16;
        foreach (var field in Fields(entry))
        {
            if (field is null)
            {
                BinaryPrimitives.WriteInt32BigEndian(destination[position..], -1);
                position += 4;
                continue;
            }

            var written = Encoding.UTF8.GetBytes(field, destination[(position + 4)..]);
            BinaryPrimitives.WriteInt32BigEndian(destination[position..], written);
            position += 4 + written;
        }
    }

    private static string?[] Fields(AuditEntry entry) =>
    [
        EnumName(entry.ActorType), entry.ActorId, entry.ActorName, entry.ActorRealName,
        entry.ActorOrganizationId?.ToString("D"), entry.ActorOrganizationName, entry.SessionId, entry.RequestId,
        EnumName(entry.Action), entry.TargetType, entry.TargetId, entry.OrderId?.ToString("D"),
        EnumName(entry.Outcome), entry.SourceIp, entry.UserAgent, entry.Details,
    ];

    private static string EnumName<T>(T value)
        where T : struct, Enum => EnumNames<T>.Of(value);

    /// <summary>Enum.ToString allocates and reflects each time; the names are fixed, so cache them.</summary>
    private static class EnumNames<T>
        where T : struct, Enum
    {
        private static readonly Dictionary<T, string> Names = Enum.GetValues<T>().ToDictionary(v => v, v => v.ToString());

        public static string Of(T value) => Names.TryGetValue(value, out var name) ? name : value.ToString();
    }

    /// <summary>Both databases keep microseconds; hashing anything finer would not survive a round trip.</summary>
    public static DateTime TruncateToMicroseconds(DateTime utc) =>
        new(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);
}
