using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Trabecula.Server.Features.Organizations;

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> builder)
    {
        builder.ToTable("Organizations");
        builder.HasKey(o => o.Id);
        builder.Property(o => o.Name).HasMaxLength(200).IsRequired();
        builder.HasIndex(o => o.Name).IsUnique();
        builder.Property(o => o.PartyTypes).HasConversion<int>();
        builder.Property(o => o.PracticeLicenceNumber).HasMaxLength(64);
        builder.Property(o => o.ProductionLicenceNumber).HasMaxLength(64);
        builder.Property(o => o.RegistrationNumber).HasMaxLength(64);
    }
}
