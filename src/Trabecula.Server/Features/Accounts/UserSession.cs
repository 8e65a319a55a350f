using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Trabecula.Server.Features.Accounts;

/// <summary>
/// A server-side session (the cookie holds only a random key). The row is keyed by the key's
/// SHA-256, so reading the table does not give anyone a usable cookie; deleting the rows ends the
/// sessions everywhere at once (sign-out, password change, disabling, "end all sessions").
/// </summary>
public sealed class UserSession
{
    /// <summary>Hex SHA-256 of the cookie's session key.</summary>
    public string Id { get; set; } = "";

    public Guid UserId { get; set; }

    /// <summary>The audit session id (also a claim), not the secret key.</summary>
    public string AuditSessionId { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime LastSeenAt { get; set; }

    public DateTime AbsoluteExpiresAt { get; set; }

    /// <summary>The authentication ticket, serialized and encrypted with Data Protection.</summary>
    public byte[] Ticket { get; set; } = [];

    public string? SourceIp { get; set; }

    public string? UserAgent { get; set; }
}

internal sealed class UserSessionConfiguration : IEntityTypeConfiguration<UserSession>
{
    public void Configure(EntityTypeBuilder<UserSession> builder)
    {
        builder.ToTable("UserSessions");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).HasMaxLength(64);
        builder.Property(s => s.AuditSessionId).HasMaxLength(64);
        builder.Property(s => s.SourceIp).HasMaxLength(64);
        builder.Property(s => s.UserAgent).HasMaxLength(256);
        builder.HasIndex(s => s.UserId);
        builder.HasOne<TrabeculaUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
