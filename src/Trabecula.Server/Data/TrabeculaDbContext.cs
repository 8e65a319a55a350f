using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Clients;
using Trabecula.Server.Features.Monitoring;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Permissions;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Infrastructure.Data;
using Trabecula.Server.Infrastructure.Keys;

namespace Trabecula.Server.Data;

/// <summary>
/// The one DbContext. Each feature keeps its entity and its IEntityTypeConfiguration side by
/// side; they are picked up from this assembly. The same model serves SQLite and PostgreSQL.
/// </summary>
public sealed class TrabeculaDbContext(DbContextOptions<TrabeculaDbContext> options, FieldProtector fieldProtector)
    : IdentityDbContext<TrabeculaUser, IdentityRole<Guid>, Guid>(options)
{
    /// <summary>Encrypts the sensitive columns; see <see cref="EncryptedStringConverter"/>.</summary>
    internal FieldProtector FieldProtector { get; } = fieldProtector;

    private List<Task>? _blobCommits;

    /// <summary>
    /// A sealed file whose commit (fsync, rename, folder fsync) still runs while this context's
    /// rows for it are written (<see cref="Infrastructure.Storage.BlobPutOptions.SaveWith"/>):
    /// no transaction holding those rows may commit before <see cref="WaitForBlobCommitsAsync"/>.
    /// </summary>
    internal void AddBlobCommit(Task commit) => (_blobCommits ??= []).Add(commit);

    /// <summary>Returns once every file added with <see cref="AddBlobCommit"/> is durable under its key; throws what a commit threw.</summary>
    internal async Task WaitForBlobCommitsAsync()
    {
        if (_blobCommits is { } commits)
        {
            _blobCommits = null;
            await Task.WhenAll(commits);
        }
    }

    /// <summary>A save outside a transaction commits at once: it first waits for the files its rows point at (REL-01).</summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        if (_blobCommits is not null && Database.CurrentTransaction is null)
        {
            await WaitForBlobCommitsAsync();
        }

        return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <inheritdoc cref="SaveChangesAsync(bool, CancellationToken)"/>
    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        if (_blobCommits is not null && Database.CurrentTransaction is null)
        {
            WaitForBlobCommitsAsync().GetAwaiter().GetResult();
        }

        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public DbSet<Organization> Organizations => Set<Organization>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<AuditChainHead> AuditChainHeads => Set<AuditChainHead>();

    public DbSet<AuditCheckpoint> AuditCheckpoints => Set<AuditCheckpoint>();

    public DbSet<UserSession> UserSessions => Set<UserSession>();

    public DbSet<SecurityAlert> SecurityAlerts => Set<SecurityAlert>();

    public DbSet<MachineClient> MachineClients => Set<MachineClient>();

    public DbSet<PatientCase> Cases => Set<PatientCase>();

    public DbSet<Order> Orders => Set<Order>();

    public DbSet<OrderListing> OrderListings => Set<OrderListing>();

    public DbSet<RequirementRevision> RequirementRevisions => Set<RequirementRevision>();

    public DbSet<StateTransition> StateTransitions => Set<StateTransition>();

    public DbSet<PermissionRule> PermissionRules => Set<PermissionRule>();

    public DbSet<OrderComment> OrderComments => Set<OrderComment>();

    public DbSet<OrderConfirmation> OrderConfirmations => Set<OrderConfirmation>();

    public DbSet<EmergencyGrant> EmergencyGrants => Set<EmergencyGrant>();

    public DbSet<Features.PatientData.PatientDataset> PatientDatasets => Set<Features.PatientData.PatientDataset>();

    public DbSet<Features.PatientData.DicomInstance> DicomInstances => Set<Features.PatientData.DicomInstance>();

    public DbSet<Features.PatientData.ScanFile> ScanFiles => Set<Features.PatientData.ScanFile>();

    public DbSet<Infrastructure.Storage.BlobRecord> Blobs => Set<Infrastructure.Storage.BlobRecord>();

    public DbSet<KeyEncryptionKey> KeyEncryptionKeys => Set<KeyEncryptionKey>();

    public DbSet<Features.Uploads.Upload> Uploads => Set<Features.Uploads.Upload>();

    public DbSet<Features.Designs.DesignVersion> DesignVersions => Set<Features.Designs.DesignVersion>();

    public DbSet<Features.Designs.DesignFile> DesignFiles => Set<Features.Designs.DesignFile>();

    public DbSet<Features.Designs.DesignReviewRequest> DesignReviewRequests => Set<Features.Designs.DesignReviewRequest>();

    public DbSet<Features.Designs.DesignSignature> DesignSignatures => Set<Features.Designs.DesignSignature>();

    public DbSet<Features.Designs.DesignChangeRecord> DesignChangeRecords => Set<Features.Designs.DesignChangeRecord>();

    public DbSet<Features.Designs.ProductionPackage> ProductionPackages => Set<Features.Designs.ProductionPackage>();

    public DbSet<Features.Designs.DesignPin> DesignPins => Set<Features.Designs.DesignPin>();

    public DbSet<Features.Production.Material> Materials => Set<Features.Production.Material>();

    public DbSet<Features.Production.MaterialLot> MaterialLots => Set<Features.Production.MaterialLot>();

    public DbSet<Features.Production.ProductionMachine> ProductionMachines => Set<Features.Production.ProductionMachine>();

    public DbSet<Features.Production.SterilizationBatch> SterilizationBatches => Set<Features.Production.SterilizationBatch>();

    public DbSet<Features.Production.ProductionStep> ProductionSteps => Set<Features.Production.ProductionStep>();

    public DbSet<Features.Production.ProductionAttachment> ProductionAttachments => Set<Features.Production.ProductionAttachment>();

    public DbSet<Features.Production.DeviceIdentifier> DeviceIdentifiers => Set<Features.Production.DeviceIdentifier>();

    public DbSet<Features.Traceability.Shipment> Shipments => Set<Features.Traceability.Shipment>();

    public DbSet<Features.Traceability.SurgicalUse> SurgicalUses => Set<Features.Traceability.SurgicalUse>();

    public DbSet<Features.Traceability.FollowUp> FollowUps => Set<Features.Traceability.FollowUp>();

    public DbSet<Features.Traceability.FollowUpClosure> FollowUpClosures => Set<Features.Traceability.FollowUpClosure>();

    public DbSet<Features.Transfer.ArtifactShare> ArtifactShares => Set<Features.Transfer.ArtifactShare>();

    public DbSet<Features.Transfer.ClientTransferKey> ClientTransferKeys => Set<Features.Transfer.ClientTransferKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(TrabeculaDbContext).Assembly);
        var encrypted = new EncryptedStringConverter(FieldProtector);
        foreach (var property in builder.Model.GetEntityTypes().SelectMany(e => e.GetProperties())
                     .Where(p => p.PropertyInfo?.IsDefined(typeof(EncryptedAttribute), inherit: false) == true))
        {
            property.SetValueConverter(encrypted);
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }
}
