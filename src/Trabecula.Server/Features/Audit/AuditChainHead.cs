namespace Trabecula.Server.Features.Audit;

/// <summary>
/// The single row that says where the chain ends, signed with the audit key and updated in the
/// same transaction as every append: deleting entries after the last checkpoint ("cutting the
/// tail") leaves a head that points past the last row. PostgreSQL appenders lock this row, which
/// serialises several processes.
/// </summary>
public sealed class AuditChainHead
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;

    public long LastSequence { get; set; }

    public byte[] LastHash { get; set; } = new byte[32];

    public DateTime UpdatedAt { get; set; }

    public DateTime LastCheckpointAt { get; set; }

    /// <summary>ECDSA P-256 over the head; null only for the empty chain created by the migration.</summary>
    public byte[]? Signature { get; set; }

    public string? KeyId { get; set; }
}

/// <summary>A signed statement "entry N has hash H", written every N entries and every M minutes.</summary>
public sealed class AuditCheckpoint
{
    public long Sequence { get; set; }

    public byte[] Hash { get; set; } = [];

    public DateTime CreatedAt { get; set; }

    public string KeyId { get; set; } = "";

    public byte[] Signature { get; set; } = [];
}
