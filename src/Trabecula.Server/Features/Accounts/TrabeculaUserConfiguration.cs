using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Trabecula.Server.Features.Accounts;

internal sealed class TrabeculaUserConfiguration : IEntityTypeConfiguration<TrabeculaUser>
{
    public void Configure(EntityTypeBuilder<TrabeculaUser> builder)
    {
        builder.Property(u => u.LegalName).HasMaxLength(100).IsRequired();
        builder.Property(u => u.Status).HasConversion<int>();
        builder.HasOne(u => u.Organization).WithMany().HasForeignKey(u => u.OrganizationId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(u => u.OrganizationId);
        builder.Property(u => u.IdentityDocumentNumber).HasMaxLength(200);
        builder.Property(u => u.MobileNumber).HasMaxLength(32);
        builder.Property(u => u.PractitionerLicenceNumber).HasMaxLength(64);
    }
}
