using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Infrastructure.Hosting;

namespace Trabecula.Bench;

/// <summary>
/// Fills a data folder that `trabecula demo seed` prepared with a production-sized history:
/// N orders (with case, first revision and first transition) spread over 20 institutions and
/// the demo partners, and M more audit entries appended to the real chain (hashed and
/// checkpoint-signed as the platform does). bench/orders.sh then measures the list API.
/// </summary>
internal static class OrdersBench
{
    private static readonly OrderState[] States = Enum.GetValues<OrderState>();

    private static readonly string[] Categories = ["CranialPlate", "MandibleImplant", "AcetabularCup", "SpinalCage", "SurgicalGuide", "DentalAligner"];

    public static async Task SeedAsync(string[] serverArgs, int orders, int auditEntries)
    {
        var app = Program.BuildApp(serverArgs);
        StartupChecks.Run(app.Services);
        await app.Services.MigrateDatabaseAsync();
        await using (app)
        {
            var stopwatch = Stopwatch.StartNew();
            await SeedOrdersAsync(app.Services, orders);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded {orders} orders in {stopwatch.Elapsed.TotalSeconds:F1} s"));
            stopwatch.Restart();
            await AuditBench.AppendToChainAsync(app.Services, auditEntries);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"appended {auditEntries} audit entries in {stopwatch.Elapsed.TotalSeconds:F1} s"));
        }
    }

    private static async Task SeedOrdersAsync(IServiceProvider services, int count)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var demo = await db.Organizations.AsNoTracking().ToListAsync();
        var designers = demo.Where(o => o.Has(PartyTypes.Designer)).Select(o => o.Id).ToList();
        var manufacturers = demo.Where(o => o.Has(PartyTypes.Manufacturer)).Select(o => o.Id).ToList();
        var registrants = demo.Where(o => o.Has(PartyTypes.MarketingAuthorizationHolder)).Select(o => o.Id).ToList();
        var now = DateTime.SpecifyKind(new DateTime(2026, 11, 22, 0, 0, 0), DateTimeKind.Utc);

        // Twenty institutions and five design houses besides the demo ones, so that a demo user's
        // organization takes part in a realistic share of the orders, not all of them.
        var institutions = demo.Where(o => o.Has(PartyTypes.MedicalInstitution)).Select(o => o.Id).ToList();
        for (var i = 0; i < 20; i++)
        {
            var org = new Organization { Id = Guid.CreateVersion7(), Name = $"基准医院 {i:D2}", PartyTypes = PartyTypes.MedicalInstitution, CreatedAt = now };
            db.Organizations.Add(org);
            institutions.Add(org.Id);
        }

        for (var i = 0; i < 4; i++)
        {
            var org = new Organization { Id = Guid.CreateVersion7(), Name = $"基准设计 {i:D2}", PartyTypes = PartyTypes.Designer, CreatedAt = now };
            db.Organizations.Add(org);
            designers.Add(org.Id);
        }

        await db.SaveChangesAsync();
        var actor = Guid.CreateVersion7();
        const int Batch = 5000;
        for (var start = 0; start < count; start += Batch)
        {
            db.ChangeTracker.Clear();
            for (var i = start; i < Math.Min(start + Batch, count); i++)
            {
                var created = now.AddMinutes(-i * 3);
                var state = States[i % States.Length];
                var patient = new PatientCase
                {
                    Id = Guid.CreateVersion7(new DateTimeOffset(created)),
                    InstitutionId = institutions[i % institutions.Count],
                    Pseudonym = "P-" + i.ToString("X6", CultureInfo.InvariantCulture),
                    PatientName = "患者" + i.ToString(CultureInfo.InvariantCulture),
                    PatientSex = i % 2 == 0 ? "F" : "M",
                    CreatedAt = created,
                    CreatedBy = actor,
                };
                var order = new Order
                {
                    Id = Guid.CreateVersion7(new DateTimeOffset(created)),
                    CaseId = patient.Id,
                    Number = "TB-2026-" + (i + 1).ToString("D6", CultureInfo.InvariantCulture),
                    State = state,
                    InstitutionId = patient.InstitutionId,
                    DesignerId = state == OrderState.RequirementRaised ? null : designers[i % designers.Count],
                    ManufacturerId = state >= OrderState.DesignApproved ? manufacturers[i % manufacturers.Count] : null,
                    RegistrantId = registrants.Count > 0 ? registrants[i % registrants.Count] : null,
                    CurrentRevision = 1,
                    DeviceCategory = Categories[i % Categories.Length],
                    CreatedAt = created,
                    UpdatedAt = created,
                    Version = 1,
                };
                db.Cases.Add(patient);
                db.Orders.Add(order);
                db.RequirementRevisions.Add(new RequirementRevision
                {
                    Id = Guid.CreateVersion7(new DateTimeOffset(created)), OrderId = order.Id, Revision = 1, DeviceCategory = order.DeviceCategory,
                    AnatomicalSite = "site", ClinicalRequirement = "requirement " + i.ToString(CultureInfo.InvariantCulture), CreatedAt = created, CreatedBy = actor, CreatedByName = "bench",
                });
                db.StateTransitions.Add(new StateTransition
                {
                    Id = Guid.CreateVersion7(new DateTimeOffset(created)), OrderId = order.Id, To = OrderState.RequirementRaised, Name = "raise-requirement",
                    ActorId = actor, ActorName = "bench", ActorOrganization = "bench", OccurredAt = created,
                });
            }

            await db.SaveChangesAsync();
        }
    }
}
