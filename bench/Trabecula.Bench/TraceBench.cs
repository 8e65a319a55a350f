using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Features.Production;
using Trabecula.Server.Features.Traceability;
using Trabecula.Server.Infrastructure.Hosting;

namespace Trabecula.Bench;

/// <summary>
/// Issue "production and traceability": fills a data folder that `trabecula demo seed` prepared
/// with N released devices of the demo factory (order, case, device identifier, and printing,
/// sterilization and inspection steps that reference a material lot, a printer and a steam
/// cycle), then times the two queries TraceApi runs: lot → devices (the recall list) and device →
/// history. Every lot is used by 100 devices and every cycle by 50 whatever N is, so the recall's
/// answer has the same size at 10k and 1M and any growth is the index's.
/// </summary>
internal static class TraceBench
{
    private const int DevicesPerLot = 100;
    private const int DevicesPerBatch = 50;
    private const int Machines = 20;

    public static async Task RunAsync(string[] serverArgs, int devices, int runs)
    {
        var app = Program.BuildApp(serverArgs);
        StartupChecks.Run(app.Services);
        await app.Services.MigrateDatabaseAsync();
        await using (app)
        {
            var stopwatch = Stopwatch.StartNew();
            var (factory, lots) = await SeedAsync(app.Services, devices);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded {devices} devices in {stopwatch.Elapsed.TotalSeconds:F1} s"));

            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
            var route = scope.ServiceProvider.GetRequiredService<ProductionRoute>();
            var packages = scope.ServiceProvider.GetRequiredService<IReleasedPackageSource>();
            var designs = scope.ServiceProvider.GetRequiredService<IDesignHistorySource>();
            var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();
            var random = new Random(42);
            var recall = new List<double>();
            var history = new List<double>();
            var anchor = new List<double>();
            var recalled = 0;
            for (var run = 0; run < runs; run++)
            {
                db.ChangeTracker.Clear();
                var lot = lots[random.Next(lots.Count)];
                var watch = Stopwatch.StartNew();
                var list = await TraceApi.RecallQueryAsync(db, factory, lot, null, null, CancellationToken.None);
                recall.Add(watch.Elapsed.TotalMilliseconds);
                recalled = list!.Devices.Count;

                // The device → history query starts where the trace endpoint does: the order found by the device's serial.
                var serial = Serial(random.Next(devices));
                watch.Restart();
                var device = await db.DeviceIdentifiers.AsNoTracking().SingleAsync(d => d.SerialNumber == serial);
                var order = await db.Orders.AsNoTracking().SingleAsync(o => o.Id == device.OrderId);
                var found = await TraceApi.HistoryAsync(db, order, route, packages, designs, time, CancellationToken.None);
                history.Add(watch.Elapsed.TotalMilliseconds);
                if (found.Steps.Count != 3)
                {
                    throw new InvalidOperationException($"device {serial}: {found.Steps.Count} steps");
                }

                // The anchor: one primary-key read of the same table sizes, measured the same way.
                watch.Restart();
                _ = await db.Orders.AsNoTracking().SingleAsync(o => o.Id == device.OrderId);
                anchor.Add(watch.Elapsed.TotalMilliseconds);
            }

            Report.Line($"trace recall lot → devices ({devices} devices)", Median(recall), "ms median", $"{runs} runs, {recalled} devices per lot");
            Report.Line($"trace device → history ({devices} devices)", Median(history), "ms median", $"{runs} runs, serial lookup + TraceApi.HistoryAsync");
            Report.Line($"anchor: order by primary key ({devices} devices)", Median(anchor), "ms median", $"{runs} runs");
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Serial(int i) => "BT-" + i.ToString("D8", CultureInfo.InvariantCulture);

    private static async Task<(Guid Factory, List<Guid> Lots)> SeedAsync(IServiceProvider services, int count)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var demo = await db.Organizations.AsNoTracking().ToListAsync();
        var factory = demo.First(o => o.Has(PartyTypes.Manufacturer)).Id;
        var institution = demo.First(o => o.Has(PartyTypes.MedicalInstitution)).Id;
        var designer = demo.First(o => o.Has(PartyTypes.Designer)).Id;
        var now = DateTime.SpecifyKind(new DateTime(2026, 11, 22, 0, 0, 0), DateTimeKind.Utc);
        var actor = Guid.CreateVersion7();

        var material = new Material { Id = Guid.CreateVersion7(), ManufacturerId = factory, Name = "Ti-6Al-4V ELI", Specification = "ASTM F3001", Supplier = "bench", CreatedAt = now, UpdatedAt = now };
        db.Materials.Add(material);
        var lots = new List<Guid>();
        for (var i = 0; i < (count + DevicesPerLot - 1) / DevicesPerLot; i++)
        {
            var lot = new MaterialLot { Id = Guid.CreateVersion7(), ManufacturerId = factory, MaterialId = material.Id, LotNumber = "BL-" + i.ToString("D6", CultureInfo.InvariantCulture), CreatedAt = now, UpdatedAt = now };
            db.MaterialLots.Add(lot);
            lots.Add(lot.Id);
        }

        var machines = new List<Guid>();
        for (var i = 0; i < Machines; i++)
        {
            var machine = new ProductionMachine { Id = Guid.CreateVersion7(), ManufacturerId = factory, Name = "EOS M 290", Model = "M 290", SerialNumber = "BM-" + i.ToString(CultureInfo.InvariantCulture), Process = ProcessKind.LPBF, CreatedAt = now, UpdatedAt = now };
            db.ProductionMachines.Add(machine);
            machines.Add(machine.Id);
        }

        var batches = new List<Guid>();
        for (var i = 0; i < (count + DevicesPerBatch - 1) / DevicesPerBatch; i++)
        {
            var batch = new SterilizationBatch
            {
                Id = Guid.CreateVersion7(), ManufacturerId = factory, Method = SterilizationMethod.Steam, CycleId = "BS-" + i.ToString("D6", CultureInfo.InvariantCulture),
                Sterilizer = "bench", Parameters = "134 °C, 4 min", IndicatorResult = IndicatorResult.Pass, CreatedAt = now, UpdatedAt = now,
            };
            db.SterilizationBatches.Add(batch);
            batches.Add(batch.Id);
        }

        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync();

        const int Batch = 5000;
        for (var start = 0; start < count; start += Batch)
        {
            db.ChangeTracker.Clear();
            for (var i = start; i < Math.Min(start + Batch, count); i++)
            {
                var created = now.AddMinutes(-i);
                var patient = new PatientCase
                {
                    Id = Guid.CreateVersion7(new DateTimeOffset(created)), InstitutionId = institution, Pseudonym = "P-" + i.ToString("X7", CultureInfo.InvariantCulture),
                    PatientName = "患者" + i.ToString(CultureInfo.InvariantCulture), PatientSex = "F", CreatedAt = created, CreatedBy = actor,
                };
                var order = new Order
                {
                    Id = Guid.CreateVersion7(new DateTimeOffset(created)), CaseId = patient.Id, Number = "TB-B-" + i.ToString("D8", CultureInfo.InvariantCulture),
                    State = OrderState.Released, InstitutionId = institution, DesignerId = designer, ManufacturerId = factory, CurrentRevision = 1,
                    DeviceCategory = "Other", CreatedAt = created, UpdatedAt = created, Version = 1,
                };
                db.Cases.Add(patient);
                db.Orders.Add(order);
                var serial = Serial(i);
                db.DeviceIdentifiers.Add(new DeviceIdentifier
                {
                    Id = Guid.CreateVersion7(new DateTimeOffset(created)), OrderId = order.Id, Gtin = "06901234000078", SerialNumber = serial, LotNumber = "BJ-" + (i / DevicesPerLot).ToString(CultureInfo.InvariantCulture),
                    ManufacturedOn = DateOnly.FromDateTime(created), ExpiresOn = DateOnly.FromDateTime(created).AddYears(3),
                    ElementString = $"(01)06901234000078(21){serial}", ReleasedBy = actor, ReleasedByName = "bench", ReleasedAt = created,
                });
                db.ProductionSteps.Add(Step(order.Id, ProductionStepKind.Printing, created, actor, s => { s.MachineId = machines[i % Machines]; s.MaterialLotId = lots[i / DevicesPerLot]; }));
                db.ProductionSteps.Add(Step(order.Id, ProductionStepKind.Sterilization, created, actor, s => s.SterilizationBatchId = batches[i / DevicesPerBatch]));
                db.ProductionSteps.Add(Step(order.Id, ProductionStepKind.Inspection, created, actor, _ => { }));
            }

            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync();
        }

        return (factory, lots);
    }

    private static ProductionStep Step(Guid orderId, ProductionStepKind kind, DateTime at, Guid actor, Action<ProductionStep> references)
    {
        var step = new ProductionStep
        {
            Id = Guid.CreateVersion7(new DateTimeOffset(at)), OrderId = orderId, Kind = kind, OperatorId = actor, OperatorName = "bench",
            StartedAt = at, EndedAt = at.AddMinutes(30), Equipment = "bench", Result = StepResult.Pass, RecordedAt = at,
        };
        references(step);
        return step;
    }
}
