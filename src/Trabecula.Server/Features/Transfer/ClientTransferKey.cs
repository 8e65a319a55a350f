using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Trabecula.Server.Features.Transfer;

/// <summary>
/// The public key a machine client (a printer workstation) registered for encrypted export
/// packages: ECDH P-256, made on the workstation by <c>trabecula package keygen</c>, so the private
/// key never reaches the platform. A new registration retires the previous key; retired keys stay
/// for the audit's sake (a package names the key id it was sealed for).
/// </summary>
public sealed class ClientTransferKey
{
    public Guid Id { get; set; }

    /// <summary>The machine client's row id (MachineClients.Id).</summary>
    public Guid MachineClientId { get; set; }

    /// <summary>First 16 hex digits of SHA-256 of the SubjectPublicKeyInfo.</summary>
    public string KeyId { get; set; } = "";

    /// <summary>SubjectPublicKeyInfo, base64.</summary>
    public string PublicKey { get; set; } = "";

    public string Algorithm { get; set; } = "ECDH-P256";

    public DateTime CreatedAt { get; set; }

    public Guid CreatedBy { get; set; }

    public DateTime? RetiredAt { get; set; }
}

internal sealed class ClientTransferKeyConfiguration : IEntityTypeConfiguration<ClientTransferKey>
{
    public void Configure(EntityTypeBuilder<ClientTransferKey> builder)
    {
        builder.ToTable("ClientTransferKeys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.KeyId).HasMaxLength(16);
        builder.Property(k => k.PublicKey).HasMaxLength(400);
        builder.Property(k => k.Algorithm).HasMaxLength(32);
        builder.HasOne<Clients.MachineClient>().WithMany().HasForeignKey(k => k.MachineClientId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(k => new { k.MachineClientId, k.RetiredAt });
    }
}
