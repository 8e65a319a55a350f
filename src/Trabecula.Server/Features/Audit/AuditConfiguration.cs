using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Trabecula.Server.Features.Audit;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("AuditEntries");
        builder.HasKey(e => e.Sequence);
        builder.Property(e => e.Sequence).ValueGeneratedNever();
        builder.Property(e => e.ActorType).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.Action).HasConversion<string>().HasMaxLength(48);
        builder.Property(e => e.Outcome).HasConversion<string>().HasMaxLength(16);
        builder.Property(e => e.ActorId).HasMaxLength(64);
        builder.Property(e => e.ActorName).HasMaxLength(256);
        builder.Property(e => e.ActorRealName).HasMaxLength(100);
        builder.Property(e => e.ActorOrganizationName).HasMaxLength(200);
        builder.Property(e => e.SessionId).HasMaxLength(64);
        builder.Property(e => e.RequestId).HasMaxLength(128);
        builder.Property(e => e.TargetType).HasMaxLength(64);
        builder.Property(e => e.TargetId).HasMaxLength(128);
        builder.Property(e => e.SourceIp).HasMaxLength(64);
        builder.Property(e => e.UserAgent).HasMaxLength(256);
        builder.HasIndex(e => e.OccurredAt);
        builder.HasIndex(e => new { e.ActorId, e.OccurredAt });
        builder.HasIndex(e => new { e.OrderId, e.Sequence });
        builder.HasIndex(e => new { e.Action, e.OccurredAt });
    }
}

internal sealed class AuditChainHeadConfiguration : IEntityTypeConfiguration<AuditChainHead>
{
    public void Configure(EntityTypeBuilder<AuditChainHead> builder)
    {
        builder.ToTable("AuditChainHeads");
        builder.HasKey(h => h.Id);
        builder.Property(h => h.Id).ValueGeneratedNever();
        builder.Property(h => h.KeyId).HasMaxLength(32);
    }
}

internal sealed class AuditCheckpointConfiguration : IEntityTypeConfiguration<AuditCheckpoint>
{
    public void Configure(EntityTypeBuilder<AuditCheckpoint> builder)
    {
        builder.ToTable("AuditCheckpoints");
        builder.HasKey(c => c.Sequence);
        builder.Property(c => c.Sequence).ValueGeneratedNever();
        builder.Property(c => c.KeyId).HasMaxLength(32);
    }
}
