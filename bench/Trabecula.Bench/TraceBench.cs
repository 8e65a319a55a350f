using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Features.Production;
using Trabecula.Server.Features.Traceability;
using Trabecula.Server.Infrastructure.Hosting;

namespace Trabecula.Bench;

/// <summary>
/// Issue "production and traceability": fills a data folder that `trabecula demo seed` prepared
/// with N released devices of the demo factory (case, order, first requirement revision, three
/// state transitions, device identifier, printing, sterilization and inspection steps that
/// reference a material lot, a printer and a steam cycle, and four audit entries), spread over one
/// hospital per 5,000 devices, one printer per 5,000 (at least 20), lots of 50–200 devices and
/// cycles of 20–80 by a fixed pattern, so the recall's answer has the same spread at 10k and 1M
/// and any growth is the indexes'. Rows go in through <see cref="BulkWriter"/> (multi-row INSERT on
/// SQLite, binary COPY on PostgreSQL). It then times the two queries TraceApi runs: lot → devices
/// (the recall list) and device → history.
/// </summary>
internal static class TraceBench
{
    private const int DevicesPerInstitution = 5000;
    private const int DevicesPerMachine = 5000;
    private const int DevicesPerChunk = 20000;
    private const int AuditPerDevice = 4;

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

            if (Environment.GetEnvironmentVariable("EXPLAIN") == "1")
            {
                // The plans behind the numbers: one recall and one history, every command they run.
                using var plans = new QueryPlans();
                db.ChangeTracker.Clear();
                var lot = lots[random.Next(lots.Count)];
                Console.WriteLine("plan: recall lot → devices");
                Console.Write(await plans.ExplainAsync(db, () => TraceApi.RecallQueryAsync(db, factory, lot, null, null, CancellationToken.None)));
                var serial = Serial(random.Next(devices));
                Console.WriteLine("plan: device → history");
                Console.Write(await plans.ExplainAsync(db, async () =>
                {
                    var device = await db.DeviceIdentifiers.AsNoTracking().SingleAsync(d => d.SerialNumber == serial);
                    var order = await db.Orders.AsNoTracking().SingleAsync(o => o.Id == device.OrderId);
                    await TraceApi.HistoryAsync(db, order, route, packages, designs, time, CancellationToken.None);
                }));
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
        var bulk = new BulkWriter(db);
        var demo = await db.Organizations.AsNoTracking().ToListAsync();
        var factory = demo.First(o => o.Has(PartyTypes.Manufacturer)).Id;
        var designer = demo.First(o => o.Has(PartyTypes.Designer)).Id;
        var registrant = demo.FirstOrDefault(o => o.Has(PartyTypes.MarketingAuthorizationHolder))?.Id;
        var now = DateTime.SpecifyKind(new DateTime(2026, 11, 22, 0, 0, 0), DateTimeKind.Utc);
        var actor = Guid.CreateVersion7();

        // Hospitals: the demo one and one more for every DevicesPerInstitution devices, so the recall list names several.
        var institutions = new List<Guid> { demo.First(o => o.Has(PartyTypes.MedicalInstitution)).Id };
        var hospitals = Enumerable.Range(0, Math.Max(1, count / DevicesPerInstitution)).Select(i => new Organization
        {
            Id = Guid.CreateVersion7(), Name = $"基准医院 {i:D4}", PartyTypes = PartyTypes.MedicalInstitution, PracticeLicenceNumber = $"BENCH{i:D6}", CreatedAt = now,
        }).ToList();
        await bulk.WriteAsync(hospitals);
        institutions.AddRange(hospitals.Select(h => h.Id));

        var material = new Material { Id = Guid.CreateVersion7(), ManufacturerId = factory, Name = "Ti-6Al-4V ELI", Specification = "ASTM F3001", Supplier = "bench", CreatedAt = now, UpdatedAt = now };
        await bulk.WriteAsync([material]);

        // Lots of 50 to 200 devices and steam cycles of 20 to 80, by a fixed pattern: the same spread at every N.
        var lotOf = Assign(count, k => 50 + (k * 53 % 151));
        var batchOf = Assign(count, k => 20 + (k * 37 % 61));
        var lots = Enumerable.Range(0, lotOf[^1] + 1).Select(i => new MaterialLot
        {
            Id = Guid.CreateVersion7(), ManufacturerId = factory, MaterialId = material.Id, LotNumber = "BL-" + i.ToString("D6", CultureInfo.InvariantCulture),
            CertificateNumber = "MTC-" + i.ToString(CultureInfo.InvariantCulture), ReceivedOn = DateOnly.FromDateTime(now).AddDays(-i / 10), CreatedAt = now, UpdatedAt = now,
        }).ToList();
        await bulk.WriteAsync(lots);
        var machines = Enumerable.Range(0, Math.Max(20, count / DevicesPerMachine)).Select(i => new ProductionMachine
        {
            Id = Guid.CreateVersion7(), ManufacturerId = factory, Name = "EOS M 290", Model = "M 290", SerialNumber = "BM-" + i.ToString(CultureInfo.InvariantCulture),
            Process = ProcessKind.LPBF, CreatedAt = now, UpdatedAt = now,
        }).ToList();
        await bulk.WriteAsync(machines);
        var batches = Enumerable.Range(0, batchOf[^1] + 1).Select(i => new SterilizationBatch
        {
            Id = Guid.CreateVersion7(), ManufacturerId = factory, Method = SterilizationMethod.Steam, CycleId = "BS-" + i.ToString("D6", CultureInfo.InvariantCulture),
            Sterilizer = "bench", Parameters = "134 °C, 4 min", IndicatorResult = IndicatorResult.Pass, StartedAt = now, EndedAt = now.AddHours(1), CreatedAt = now, UpdatedAt = now,
        }).ToList();
        await bulk.WriteAsync(batches);

        // The history reads the order's audit trail: a few entries per order, numbered after the demo seed's.
        var sequence = (await db.AuditEntries.MaxAsync(e => (long?)e.Sequence) ?? 0) + 1;
        var hash = new byte[32];
        for (var start = 0; start < count; start += DevicesPerChunk)
        {
            var end = Math.Min(start + DevicesPerChunk, count);
            var cases = new List<PatientCase>(end - start);
            var orders = new List<Order>(end - start);
            var revisions = new List<RequirementRevision>(end - start);
            var transitions = new List<StateTransition>((end - start) * 3);
            var devices = new List<DeviceIdentifier>(end - start);
            var steps = new List<ProductionStep>((end - start) * 3);
            var audit = new List<AuditEntry>((end - start) * AuditPerDevice);
            for (var i = start; i < end; i++)
            {
                var created = now.AddMinutes(-i);
                var at = new DateTimeOffset(created);
                var institution = institutions[i % institutions.Count];
                var patient = new PatientCase
                {
                    Id = Guid.CreateVersion7(at), InstitutionId = institution, Pseudonym = "P-" + i.ToString("X7", CultureInfo.InvariantCulture),
                    PatientName = "患者" + i.ToString(CultureInfo.InvariantCulture), PatientSex = i % 2 == 0 ? "F" : "M", CreatedAt = created, CreatedBy = actor,
                };
                var order = new Order
                {
                    Id = Guid.CreateVersion7(at), CaseId = patient.Id, Number = "TB-B-" + i.ToString("D8", CultureInfo.InvariantCulture),
                    State = OrderState.Released, InstitutionId = institution, DesignerId = designer, ManufacturerId = factory, RegistrantId = registrant, CurrentRevision = 1,
                    DeviceCategory = "Other", CreatedAt = created, UpdatedAt = created, Version = 1,
                };
                cases.Add(patient);
                orders.Add(order);
                revisions.Add(new RequirementRevision
                {
                    Id = Guid.CreateVersion7(at), OrderId = order.Id, Revision = 1, DeviceCategory = order.DeviceCategory, AnatomicalSite = "cranium",
                    ClinicalRequirement = "颅骨缺损修复 " + i.ToString(CultureInfo.InvariantCulture), CreatedAt = created, CreatedBy = actor, CreatedByName = "bench",
                });
                foreach (var (from, to, name, minutes) in Moves)
                {
                    transitions.Add(new StateTransition
                    {
                        Id = Guid.CreateVersion7(at.AddMinutes(minutes)), OrderId = order.Id, From = from, To = to, Name = name, ActorId = actor, ActorName = "bench",
                        ActorOrganization = "bench", OccurredAt = created.AddMinutes(minutes),
                    });
                }

                var serial = Serial(i);
                devices.Add(new DeviceIdentifier
                {
                    Id = Guid.CreateVersion7(at), OrderId = order.Id, Gtin = "06901234000078", SerialNumber = serial, LotNumber = "BJ-" + lotOf[i].ToString(CultureInfo.InvariantCulture),
                    ManufacturedOn = DateOnly.FromDateTime(created), ExpiresOn = DateOnly.FromDateTime(created).AddYears(3),
                    ElementString = $"(01)06901234000078(21){serial}", ReleasedBy = actor, ReleasedByName = "bench", ReleasedAt = created,
                });
                steps.Add(Step(order.Id, ProductionStepKind.Printing, created, actor, s => { s.MachineId = machines[i % machines.Count].Id; s.MaterialLotId = lots[lotOf[i]].Id; }));
                steps.Add(Step(order.Id, ProductionStepKind.Sterilization, created, actor, s => s.SterilizationBatchId = batches[batchOf[i]].Id));
                steps.Add(Step(order.Id, ProductionStepKind.Inspection, created, actor, _ => { }));
                for (var a = 0; a < AuditPerDevice; a++)
                {
                    Random.Shared.NextBytes(hash);
                    audit.Add(new AuditEntry
                    {
                        Sequence = sequence++, OccurredAt = created.AddMinutes(a), ActorType = AuditActorType.User, ActorId = actor.ToString(), ActorName = "bench",
                        ActorOrganizationId = factory, ActorOrganizationName = "bench", Action = a == 0 ? AuditAction.DataCreated : AuditAction.DataUpdated,
                        TargetType = a == 0 ? "order" : "production-step", TargetId = order.Number, OrderId = order.Id, Outcome = AuditOutcome.Success,
                        PreviousHash = [.. hash], Hash = [.. hash],
                    });
                }
            }

            await bulk.WriteAsync(cases);
            await bulk.WriteAsync(orders);
            await bulk.WriteAsync(revisions);
            await bulk.WriteAsync(transitions);
            await bulk.WriteAsync(devices);
            await bulk.WriteAsync(steps);
            await bulk.WriteAsync(audit);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {end} devices"));
        }

        foreach (var (table, (rows, seconds)) in bulk.Totals.OrderByDescending(t => t.Value.Seconds))
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {table}: {rows} rows in {seconds:F1} s ({rows / Math.Max(seconds, 0.001):F0} rows/s)"));
        }

        // PostgreSQL's autovacuum would analyze the new rows shortly; do it now so the plan does not depend on when. SQLite
        // has no statistics unless ANALYZE runs, and the platform never runs it: leave it so.
        if (db.Database.IsNpgsql())
        {
            db.Database.SetCommandTimeout(TimeSpan.FromMinutes(30));
            await db.Database.ExecuteSqlRawAsync("ANALYZE");
        }

        return (factory, [.. lots.Select(l => l.Id)]);
    }

    /// <summary>The moves that brought each order to Released (the history reads them).</summary>
    private static readonly (OrderState? From, OrderState To, string Name, int Minutes)[] Moves =
    [
        (null, OrderState.RequirementRaised, "raise-requirement", 0),
        (OrderState.DesignApproved, OrderState.Manufacturing, "start-manufacturing", 60),
        (OrderState.Manufacturing, OrderState.Released, "release", 120),
    ];

    /// <summary>Device i → its group, where group k holds size(k) devices in a row.</summary>
    private static int[] Assign(int count, Func<int, int> size)
    {
        var of = new int[Math.Max(1, count)];
        var (group, left) = (0, size(0));
        for (var i = 0; i < count; i++)
        {
            if (left == 0)
            {
                group++;
                left = size(group);
            }

            of[i] = group;
            left--;
        }

        return of;
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
