using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Trabecula.Server.Features.Orders;

/// <summary>
/// One row per (order, organization taking part in it): the order list's own index. An order has
/// up to four participant columns, so "the orders my organization takes part in, in this state"
/// is a four-way OR over <see cref="Order"/> whose count and ordered page each touch every
/// matching row. Here it is one contiguous range of one index (organization, state, category,
/// created), read without touching the orders table. Rows are derived data: they are written by
/// <see cref="OrderListingInterceptor"/> in the same SaveChanges as the order itself, never by hand.
/// </summary>
public sealed class OrderListing
{
    public Guid OrderId { get; set; }

    public Guid OrganizationId { get; set; }

    public string Number { get; set; } = "";

    public OrderState State { get; set; }

    public string DeviceCategory { get; set; } = "";

    public Guid CaseId { get; set; }

    /// <summary>The case's pseudonym (fixed when the case is opened), so a page of the list needs no join.</summary>
    public string Pseudonym { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

internal sealed class OrderListingConfiguration : IEntityTypeConfiguration<OrderListing>
{
    public void Configure(EntityTypeBuilder<OrderListing> builder)
    {
        builder.ToTable("OrderListings");
        builder.HasKey(l => new { l.OrderId, l.OrganizationId });
        builder.HasOne<Order>().WithMany().HasForeignKey(l => l.OrderId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(l => l.Number).HasMaxLength(32).IsRequired();
        builder.Property(l => l.State).HasConversion<string>().HasMaxLength(32);
        builder.Property(l => l.DeviceCategory).HasMaxLength(64);
        builder.Property(l => l.Pseudonym).HasMaxLength(16).IsRequired();
        // The list pages newest first with the order id as tie-break: ending every index with
        // (CreatedAt, OrderId) lets both databases walk it backwards with no sort step.
        builder.HasIndex(l => new { l.OrganizationId, l.CreatedAt, l.OrderId });
        builder.HasIndex(l => new { l.OrganizationId, l.State, l.CreatedAt, l.OrderId });
        builder.HasIndex(l => new { l.OrganizationId, l.State, l.DeviceCategory, l.CreatedAt, l.OrderId });
        builder.HasIndex(l => new { l.OrganizationId, l.DeviceCategory, l.CreatedAt, l.OrderId });
    }
}

/// <summary>
/// Keeps <see cref="OrderListing"/> in step with every tracked change of an <see cref="Order"/>,
/// whichever feature makes it: on insert a row per participant, on update the rows of organizations
/// that left are deleted, those that joined are added and the rest take the new state, category and
/// time. Original values come from the change tracker, so no query runs inside SaveChanges.
/// </summary>
internal sealed class OrderListingInterceptor : SaveChangesInterceptor
{
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Sync(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Sync(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private static void Sync(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        // One change detection, then none: DbSet.Local and Entries() would each detect changes
        // over every tracked entity again, which made a 5,000-order batch quadratic.
        context.ChangeTracker.DetectChanges();
        var autoDetect = context.ChangeTracker.AutoDetectChangesEnabled;
        context.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            var orders = context.ChangeTracker.Entries<Order>().Where(e => e.State is EntityState.Added or EntityState.Modified).ToList();
            if (orders.Count == 0)
            {
                return;
            }

            var tracked = context.ChangeTracker.Entries<OrderListing>().ToDictionary(e => (e.Entity.OrderId, e.Entity.OrganizationId), e => e.Entity);
            foreach (var entry in orders)
            {
                Sync(context, entry, tracked);
            }
        }
        finally
        {
            context.ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    private static void Sync(DbContext context, EntityEntry<Order> entry, Dictionary<(Guid, Guid), OrderListing> tracked)
    {
        var order = entry.Entity;
        var now = Participants(order.InstitutionId, order.DesignerId, order.ManufacturerId, order.RegistrantId);
        var before = entry.State == EntityState.Added
            ? []
            : Participants(Original<Guid>(entry, nameof(Order.InstitutionId)), Original<Guid?>(entry, nameof(Order.DesignerId)),
                Original<Guid?>(entry, nameof(Order.ManufacturerId)), Original<Guid?>(entry, nameof(Order.RegistrantId)));
        string? pseudonym = null;
        foreach (var organization in before.Except(now))
        {
            context.Entry(Tracked(context, tracked, order.Id, organization)).State = EntityState.Deleted;
        }

        foreach (var organization in now)
        {
            var listing = Tracked(context, tracked, order.Id, organization);
            listing.Number = order.Number;
            listing.State = order.State;
            listing.DeviceCategory = order.DeviceCategory;
            listing.CaseId = order.CaseId;
            listing.CreatedAt = order.CreatedAt;
            listing.UpdatedAt = order.UpdatedAt;
            var listingEntry = context.Entry(listing);
            if (!before.Contains(organization) || entry.State == EntityState.Added)
            {
                // A new participant's row takes the pseudonym from a participant's row of this
                // save or from the case opened with the order.
                listing.Pseudonym = pseudonym ??= PseudonymOf(context, order, tracked);
                listingEntry.State = EntityState.Added;
            }
            else if (listingEntry.State == EntityState.Unchanged)
            {
                // A key-only stub attached for this save: write the order's columns, never the pseudonym it does not know.
                foreach (var property in Copied)
                {
                    listingEntry.Property(property).IsModified = true;
                }
            }
        }
    }

    private static readonly string[] Copied =
        [nameof(OrderListing.Number), nameof(OrderListing.State), nameof(OrderListing.DeviceCategory), nameof(OrderListing.CaseId), nameof(OrderListing.CreatedAt), nameof(OrderListing.UpdatedAt)];

    /// <summary>
    /// The case's pseudonym for a participant joining now: from the case tracked with a new order,
    /// else from the database (a reassignment; the pseudonym never changes once the case exists).
    /// </summary>
    private static string PseudonymOf(DbContext context, Order order, Dictionary<(Guid, Guid), OrderListing> tracked)
    {
        var known = tracked.Values.FirstOrDefault(l => l.OrderId == order.Id && l.Pseudonym.Length > 0)?.Pseudonym;
        if (known is not null)
        {
            return known;
        }

        var opened = context.ChangeTracker.Entries<PatientCase>().FirstOrDefault(c => c.Entity.Id == order.CaseId)?.Entity.Pseudonym;
        return opened ?? context.Set<PatientCase>().AsNoTracking().Where(c => c.Id == order.CaseId).Select(c => c.Pseudonym).Single();
    }

    private static T Original<T>(EntityEntry<Order> entry, string property) => (T)entry.Property(property).OriginalValue!;

    private static HashSet<Guid> Participants(Guid institution, Guid? designer, Guid? manufacturer, Guid? registrant)
    {
        var set = new HashSet<Guid> { institution };
        foreach (var party in new[] { designer, manufacturer, registrant })
        {
            if (party is { } id)
            {
                set.Add(id);
            }
        }

        return set;
    }

    /// <summary>The tracked row for (order, organization), or a key-only stub (its state is set by the caller).</summary>
    private static OrderListing Tracked(DbContext context, Dictionary<(Guid, Guid), OrderListing> tracked, Guid orderId, Guid organizationId)
    {
        if (tracked.TryGetValue((orderId, organizationId), out var local))
        {
            return local;
        }

        var stub = new OrderListing { OrderId = orderId, OrganizationId = organizationId };
        context.Attach(stub);
        tracked[(orderId, organizationId)] = stub;
        return stub;
    }
}
