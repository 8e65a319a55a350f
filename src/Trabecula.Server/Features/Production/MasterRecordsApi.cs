using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Production;

public sealed record MaterialRequest([property: MaxLength(200)] string? Name, [property: MaxLength(200)] string? Specification, [property: MaxLength(200)] string? Supplier);

public sealed record MaterialView(Guid Id, string Name, string Specification, string Supplier, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record LotRequest(Guid? MaterialId, [property: MaxLength(64)] string? LotNumber, [property: MaxLength(100)] string? CertificateNumber, DateOnly? ReceivedOn, DateOnly? ExpiresOn);

public sealed record LotView(Guid Id, Guid MaterialId, string MaterialName, string LotNumber, string? CertificateNumber, DateOnly? ReceivedOn, DateOnly? ExpiresOn, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record MachineRequest([property: MaxLength(200)] string? Name, [property: MaxLength(200)] string? Model, [property: MaxLength(100)] string? SerialNumber, string? Process);

public sealed record MachineView(Guid Id, string Name, string Model, string SerialNumber, string Process, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record BatchRequest(
    string? Method, [property: MaxLength(64)] string? CycleId, [property: MaxLength(200)] string? Sterilizer, [property: MaxLength(2000)] string? Parameters,
    string? IndicatorResult, DateTime? StartedAt, DateTime? EndedAt);

public sealed record BatchView(
    Guid Id, string Method, string CycleId, string Sterilizer, string Parameters, string IndicatorResult, DateTime? StartedAt, DateTime? EndedAt, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>
/// The factory's master records, reused across orders so that one lot, machine or sterilization
/// batch points to every device made with it (R-TRACE-1/3). They belong to the manufacturer
/// organization that created them: its operators, inspectors and administrators read and keep
/// them; everyone else gets 404. A record a production step refers to cannot be deleted.
/// </summary>
internal static class MasterRecordsApi
{
    public static void MapMasterRecordsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/production").WithTags("Production master records").RequireAuthorization(Policies.Active);
        group.MapGet("/materials", ListMaterialsAsync).WithName("ListMaterials").WithSummary("The factory's materials.");
        group.MapPost("/materials", CreateMaterialAsync).WithName("CreateMaterial").WithSummary("A material (name unique in the factory), e.g. Ti-6Al-4V ELI powder.");
        group.MapPut("/materials/{recordId:guid}", UpdateMaterialAsync).WithName("UpdateMaterial").WithSummary("Change a material's name, specification or supplier.");
        group.MapDelete("/materials/{recordId:guid}", DeleteMaterialAsync).WithName("DeleteMaterial").WithSummary("Delete a material without lots.");
        group.MapGet("/lots", ListLotsAsync).WithName("ListMaterialLots").WithSummary("The factory's material lots (filter by materialId or lot number prefix).");
        group.MapPost("/lots", CreateLotAsync).WithName("CreateMaterialLot").WithSummary("A received lot of a material (lot number unique per material).");
        group.MapPut("/lots/{recordId:guid}", UpdateLotAsync).WithName("UpdateMaterialLot").WithSummary("Change a lot's certificate or dates.");
        group.MapDelete("/lots/{recordId:guid}", DeleteLotAsync).WithName("DeleteMaterialLot").WithSummary("Delete a lot no step used.");
        group.MapGet("/machines", ListMachinesAsync).WithName("ListMachines").WithSummary("The factory's machines.");
        group.MapPost("/machines", CreateMachineAsync).WithName("CreateMachine").WithSummary("A machine (serial unique in the factory) and its process: LPBF, EBM, SLA, FDM, SLS, Other.");
        group.MapPut("/machines/{recordId:guid}", UpdateMachineAsync).WithName("UpdateMachine").WithSummary("Change a machine's record.");
        group.MapDelete("/machines/{recordId:guid}", DeleteMachineAsync).WithName("DeleteMachine").WithSummary("Delete a machine no step used.");
        group.MapGet("/sterilization-batches", ListBatchesAsync).WithName("ListSterilizationBatches").WithSummary("The factory's sterilization cycles.");
        group.MapPost("/sterilization-batches", CreateBatchAsync).WithName("CreateSterilizationBatch")
            .WithSummary("A sterilization cycle: method (EO, Steam, Gamma, ElectronBeam, HydrogenPeroxidePlasma), cycle id, parameters, indicator result.");
        group.MapPut("/sterilization-batches/{recordId:guid}", UpdateBatchAsync).WithName("UpdateSterilizationBatch")
            .WithSummary("Change a cycle's record, typically its indicator result once read.");
        group.MapDelete("/sterilization-batches/{recordId:guid}", DeleteBatchAsync).WithName("DeleteSterilizationBatch").WithSummary("Delete a cycle no step used.");
    }

    internal static async Task<Results<Ok<List<MaterialView>>, ProblemHttpResult>> ListMaterialsAsync(ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        var rows = await db.Materials.AsNoTracking().Where(m => m.ManufacturerId == factory).OrderBy(m => m.Name).ToListAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "materials", TargetId = factory.ToString() }, cancellationToken);
        return TypedResults.Ok(rows.Select(ToView).ToList());
    }

    internal static async Task<Results<Created<MaterialView>, ValidationProblem, ProblemHttpResult>> CreateMaterialAsync(
        MaterialRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        if (string.IsNullOrWhiteSpace(request.Name))
        {
            return Invalid("name", "The material's name is required.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var material = new Material
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()), ManufacturerId = factory, Name = request.Name.Trim(), Specification = request.Specification?.Trim() ?? "",
            Supplier = request.Supplier?.Trim() ?? "", CreatedAt = now, UpdatedAt = now,
        };
        db.Materials.Add(material);
        if (!await SaveUniqueAsync(db, cancellationToken))
        {
            return Duplicate("A material of that name exists.");
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataCreated) { TargetType = "material", TargetId = material.Id.ToString() }, cancellationToken);
        return TypedResults.Created($"/api/production/materials/{material.Id}", ToView(material));
    }

    internal static async Task<Results<Ok<MaterialView>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateMaterialAsync(
        Guid recordId, MaterialRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        var material = await db.Materials.SingleOrDefaultAsync(m => m.Id == recordId && m.ManufacturerId == factory, cancellationToken);
        if (material is null)
        {
            return TypedResults.NotFound();
        }

        var before = $"{material.Name}|{material.Specification}|{material.Supplier}";
        material.Name = string.IsNullOrWhiteSpace(request.Name) ? material.Name : request.Name.Trim();
        material.Specification = request.Specification?.Trim() ?? material.Specification;
        material.Supplier = request.Supplier?.Trim() ?? material.Supplier;
        material.UpdatedAt = time.GetUtcNow().UtcDateTime;
        if (!await SaveUniqueAsync(db, cancellationToken))
        {
            return Duplicate("A material of that name exists.");
        }

        await audit.RecordAsync(Updated("material", material.Id, before, $"{material.Name}|{material.Specification}|{material.Supplier}"), cancellationToken);
        return TypedResults.Ok(ToView(material));
    }

    internal static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteMaterialAsync(
        Guid recordId, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        var material = await db.Materials.SingleOrDefaultAsync(m => m.Id == recordId && m.ManufacturerId == factory, cancellationToken);
        if (material is null)
        {
            return TypedResults.NotFound();
        }

        if (await db.MaterialLots.AnyAsync(l => l.MaterialId == recordId, cancellationToken))
        {
            return InUse("The material has lots.");
        }

        db.Materials.Remove(material);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataDeleted) { TargetType = "material", TargetId = recordId.ToString() }, cancellationToken);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<List<LotView>>, ProblemHttpResult>> ListLotsAsync(
        Guid? materialId, string? lotNumber, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        var query = db.MaterialLots.AsNoTracking().Where(l => l.ManufacturerId == factory);
        if (materialId is { } m)
        {
            query = query.Where(l => l.MaterialId == m);
        }

        if (!string.IsNullOrWhiteSpace(lotNumber))
        {
            var prefix = lotNumber.Trim();
            query = query.Where(l => l.LotNumber.StartsWith(prefix));
        }

        var rows = await query.OrderByDescending(l => l.CreatedAt).Take(500)
            .Join(db.Materials, l => l.MaterialId, mat => mat.Id, (l, mat) => new { Lot = l, mat.Name })
            .ToListAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "material-lots", TargetId = factory.ToString() }, cancellationToken);
        return TypedResults.Ok(rows.Select(r => ToView(r.Lot, r.Name)).ToList());
    }

    internal static async Task<Results<Created<LotView>, ValidationProblem, ProblemHttpResult>> CreateLotAsync(
        LotRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        var material = request.MaterialId is { } m ? await db.Materials.AsNoTracking().SingleOrDefaultAsync(x => x.Id == m && x.ManufacturerId == factory, cancellationToken) : null;
        if (material is null)
        {
            return Invalid("materialId", "One of the factory's materials.");
        }

        if (string.IsNullOrWhiteSpace(request.LotNumber))
        {
            return Invalid("lotNumber", "The lot number is required.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var lot = new MaterialLot
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()), ManufacturerId = factory, MaterialId = material.Id, LotNumber = request.LotNumber.Trim(),
            CertificateNumber = request.CertificateNumber?.Trim(), ReceivedOn = request.ReceivedOn, ExpiresOn = request.ExpiresOn, CreatedAt = now, UpdatedAt = now,
        };
        db.MaterialLots.Add(lot);
        if (!await SaveUniqueAsync(db, cancellationToken))
        {
            return Duplicate("That lot of this material exists.");
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataCreated) { TargetType = "material-lot", TargetId = lot.Id.ToString() }, cancellationToken);
        return TypedResults.Created($"/api/production/lots/{lot.Id}", ToView(lot, material.Name));
    }

    internal static async Task<Results<Ok<LotView>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateLotAsync(
        Guid recordId, LotRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        var lot = await db.MaterialLots.SingleOrDefaultAsync(l => l.Id == recordId && l.ManufacturerId == factory, cancellationToken);
        if (lot is null)
        {
            return TypedResults.NotFound();
        }

        var before = $"{lot.LotNumber}|{lot.CertificateNumber}|{lot.ReceivedOn}|{lot.ExpiresOn}";
        lot.LotNumber = string.IsNullOrWhiteSpace(request.LotNumber) ? lot.LotNumber : request.LotNumber.Trim();
        lot.CertificateNumber = request.CertificateNumber?.Trim() ?? lot.CertificateNumber;
        lot.ReceivedOn = request.ReceivedOn ?? lot.ReceivedOn;
        lot.ExpiresOn = request.ExpiresOn ?? lot.ExpiresOn;
        lot.UpdatedAt = time.GetUtcNow().UtcDateTime;
        if (!await SaveUniqueAsync(db, cancellationToken))
        {
            return Duplicate("That lot of this material exists.");
        }

        await audit.RecordAsync(Updated("material-lot", lot.Id, before, $"{lot.LotNumber}|{lot.CertificateNumber}|{lot.ReceivedOn}|{lot.ExpiresOn}"), cancellationToken);
        var name = await db.Materials.AsNoTracking().Where(x => x.Id == lot.MaterialId).Select(x => x.Name).SingleAsync(cancellationToken);
        return TypedResults.Ok(ToView(lot, name));
    }

    internal static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteLotAsync(
        Guid recordId, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        var lot = await db.MaterialLots.SingleOrDefaultAsync(l => l.Id == recordId && l.ManufacturerId == factory, cancellationToken);
        if (lot is null)
        {
            return TypedResults.NotFound();
        }

        if (await db.ProductionSteps.AnyAsync(s => s.MaterialLotId == recordId, cancellationToken))
        {
            return InUse("A production step used this lot: it stays for traceability.");
        }

        db.MaterialLots.Remove(lot);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataDeleted) { TargetType = "material-lot", TargetId = recordId.ToString() }, cancellationToken);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<List<MachineView>>, ProblemHttpResult>> ListMachinesAsync(ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        var rows = await db.ProductionMachines.AsNoTracking().Where(m => m.ManufacturerId == factory).OrderBy(m => m.Name).ToListAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "machines", TargetId = factory.ToString() }, cancellationToken);
        return TypedResults.Ok(rows.Select(ToView).ToList());
    }

    internal static async Task<Results<Created<MachineView>, ValidationProblem, ProblemHttpResult>> CreateMachineAsync(
        MachineRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        if (string.IsNullOrWhiteSpace(request.Name) || string.IsNullOrWhiteSpace(request.SerialNumber))
        {
            return Invalid("serialNumber", "Name and serial number are required.");
        }

        if (!Enum.TryParse<ProcessKind>(request.Process, out var process) || !Enum.IsDefined(process))
        {
            return Invalid("process", $"One of {string.Join(", ", Enum.GetNames<ProcessKind>())}.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var machine = new ProductionMachine
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()), ManufacturerId = factory, Name = request.Name.Trim(), Model = request.Model?.Trim() ?? "",
            SerialNumber = request.SerialNumber.Trim(), Process = process, CreatedAt = now, UpdatedAt = now,
        };
        db.ProductionMachines.Add(machine);
        if (!await SaveUniqueAsync(db, cancellationToken))
        {
            return Duplicate("A machine with that serial number exists.");
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataCreated) { TargetType = "machine", TargetId = machine.Id.ToString() }, cancellationToken);
        return TypedResults.Created($"/api/production/machines/{machine.Id}", ToView(machine));
    }

    internal static async Task<Results<Ok<MachineView>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateMachineAsync(
        Guid recordId, MachineRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        var machine = await db.ProductionMachines.SingleOrDefaultAsync(m => m.Id == recordId && m.ManufacturerId == factory, cancellationToken);
        if (machine is null)
        {
            return TypedResults.NotFound();
        }

        ProcessKind? process = null;
        if (request.Process is not null)
        {
            if (!Enum.TryParse<ProcessKind>(request.Process, out var p) || !Enum.IsDefined(p))
            {
                return Invalid("process", $"One of {string.Join(", ", Enum.GetNames<ProcessKind>())}.");
            }

            process = p;
        }

        var before = $"{machine.Name}|{machine.Model}|{machine.SerialNumber}|{machine.Process}";
        machine.Name = string.IsNullOrWhiteSpace(request.Name) ? machine.Name : request.Name.Trim();
        machine.Model = request.Model?.Trim() ?? machine.Model;
        machine.SerialNumber = string.IsNullOrWhiteSpace(request.SerialNumber) ? machine.SerialNumber : request.SerialNumber.Trim();
        machine.Process = process ?? machine.Process;
        machine.UpdatedAt = time.GetUtcNow().UtcDateTime;
        if (!await SaveUniqueAsync(db, cancellationToken))
        {
            return Duplicate("A machine with that serial number exists.");
        }

        await audit.RecordAsync(Updated("machine", machine.Id, before, $"{machine.Name}|{machine.Model}|{machine.SerialNumber}|{machine.Process}"), cancellationToken);
        return TypedResults.Ok(ToView(machine));
    }

    internal static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteMachineAsync(
        Guid recordId, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        var machine = await db.ProductionMachines.SingleOrDefaultAsync(m => m.Id == recordId && m.ManufacturerId == factory, cancellationToken);
        if (machine is null)
        {
            return TypedResults.NotFound();
        }

        if (await db.ProductionSteps.AnyAsync(s => s.MachineId == recordId, cancellationToken))
        {
            return InUse("A production step used this machine: it stays for traceability.");
        }

        db.ProductionMachines.Remove(machine);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataDeleted) { TargetType = "machine", TargetId = recordId.ToString() }, cancellationToken);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<List<BatchView>>, ProblemHttpResult>> ListBatchesAsync(ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        var rows = await db.SterilizationBatches.AsNoTracking().Where(b => b.ManufacturerId == factory).OrderByDescending(b => b.CreatedAt).Take(500).ToListAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed) { TargetType = "sterilization-batches", TargetId = factory.ToString() }, cancellationToken);
        return TypedResults.Ok(rows.Select(ToView).ToList());
    }

    internal static async Task<Results<Created<BatchView>, ValidationProblem, ProblemHttpResult>> CreateBatchAsync(
        BatchRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        if (!Enum.TryParse<SterilizationMethod>(request.Method, out var method) || !Enum.IsDefined(method))
        {
            return Invalid("method", $"One of {string.Join(", ", Enum.GetNames<SterilizationMethod>())}.");
        }

        var indicator = IndicatorResult.Pending;
        if (request.IndicatorResult is not null && (!Enum.TryParse(request.IndicatorResult, out indicator) || !Enum.IsDefined(indicator)))
        {
            return Invalid("indicatorResult", "Pending, Pass or Fail.");
        }

        if (string.IsNullOrWhiteSpace(request.CycleId))
        {
            return Invalid("cycleId", "The cycle id is required.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        var batch = new SterilizationBatch
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()), ManufacturerId = factory, Method = method, CycleId = request.CycleId.Trim(), Sterilizer = request.Sterilizer?.Trim() ?? "",
            Parameters = request.Parameters?.Trim() ?? "", IndicatorResult = indicator, StartedAt = request.StartedAt?.ToUniversalTime(), EndedAt = request.EndedAt?.ToUniversalTime(),
            CreatedAt = now, UpdatedAt = now,
        };
        db.SterilizationBatches.Add(batch);
        if (!await SaveUniqueAsync(db, cancellationToken))
        {
            return Duplicate("A cycle with that id exists.");
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataCreated) { TargetType = "sterilization-batch", TargetId = batch.Id.ToString() }, cancellationToken);
        return TypedResults.Created($"/api/production/sterilization-batches/{batch.Id}", ToView(batch));
    }

    internal static async Task<Results<Ok<BatchView>, NotFound, ValidationProblem, ProblemHttpResult>> UpdateBatchAsync(
        Guid recordId, BatchRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        var batch = await db.SterilizationBatches.SingleOrDefaultAsync(b => b.Id == recordId && b.ManufacturerId == factory, cancellationToken);
        if (batch is null)
        {
            return TypedResults.NotFound();
        }

        SterilizationMethod? method = null;
        if (request.Method is not null)
        {
            if (!Enum.TryParse<SterilizationMethod>(request.Method, out var m) || !Enum.IsDefined(m))
            {
                return Invalid("method", $"One of {string.Join(", ", Enum.GetNames<SterilizationMethod>())}.");
            }

            method = m;
        }

        IndicatorResult? indicator = null;
        if (request.IndicatorResult is not null)
        {
            if (!Enum.TryParse<IndicatorResult>(request.IndicatorResult, out var i) || !Enum.IsDefined(i))
            {
                return Invalid("indicatorResult", "Pending, Pass or Fail.");
            }

            indicator = i;
        }

        var before = $"{batch.Method}|{batch.CycleId}|{batch.Parameters}|{batch.IndicatorResult}";
        batch.Method = method ?? batch.Method;
        batch.CycleId = string.IsNullOrWhiteSpace(request.CycleId) ? batch.CycleId : request.CycleId.Trim();
        batch.Sterilizer = request.Sterilizer?.Trim() ?? batch.Sterilizer;
        batch.Parameters = request.Parameters?.Trim() ?? batch.Parameters;
        batch.IndicatorResult = indicator ?? batch.IndicatorResult;
        batch.StartedAt = request.StartedAt?.ToUniversalTime() ?? batch.StartedAt;
        batch.EndedAt = request.EndedAt?.ToUniversalTime() ?? batch.EndedAt;
        batch.UpdatedAt = time.GetUtcNow().UtcDateTime;
        if (!await SaveUniqueAsync(db, cancellationToken))
        {
            return Duplicate("A cycle with that id exists.");
        }

        await audit.RecordAsync(Updated("sterilization-batch", batch.Id, before, $"{batch.Method}|{batch.CycleId}|{batch.Parameters}|{batch.IndicatorResult}"), cancellationToken);
        return TypedResults.Ok(ToView(batch));
    }

    internal static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteBatchAsync(
        Guid recordId, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, CancellationToken cancellationToken)
    {
        if (await FactoryOfAsync(user, db, cancellationToken) is not { } factory)
        {
            return NotFactory();
        }

        var batch = await db.SterilizationBatches.SingleOrDefaultAsync(b => b.Id == recordId && b.ManufacturerId == factory, cancellationToken);
        if (batch is null)
        {
            return TypedResults.NotFound();
        }

        if (await db.ProductionSteps.AnyAsync(s => s.SterilizationBatchId == recordId, cancellationToken))
        {
            return InUse("A production step used this cycle: it stays for traceability.");
        }

        db.SterilizationBatches.Remove(batch);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataDeleted) { TargetType = "sterilization-batch", TargetId = recordId.ToString() }, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>The caller's factory when they are one of its production people; null otherwise (their records are not visible).</summary>
    internal static async Task<Guid?> FactoryOfAsync(ClaimsPrincipal user, TrabeculaDbContext db, CancellationToken cancellationToken)
    {
        if (!(user.IsInRole(Roles.ProductionOperator) || user.IsInRole(Roles.QualityInspector) || user.IsInRole(Roles.OrgAdmin))
            || !Guid.TryParse(user.FindFirstValue(TrabeculaClaimTypes.OrganizationId), out var org))
        {
            return null;
        }

        var organization = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == org, cancellationToken);
        return organization is not null && organization.Has(PartyTypes.Manufacturer) ? org : null;
    }

    internal static MaterialView ToView(Material m) => new(m.Id, m.Name, m.Specification, m.Supplier, m.CreatedAt, m.UpdatedAt);

    internal static LotView ToView(MaterialLot l, string materialName) =>
        new(l.Id, l.MaterialId, materialName, l.LotNumber, l.CertificateNumber, l.ReceivedOn, l.ExpiresOn, l.CreatedAt, l.UpdatedAt);

    internal static MachineView ToView(ProductionMachine m) => new(m.Id, m.Name, m.Model, m.SerialNumber, m.Process.ToString(), m.CreatedAt, m.UpdatedAt);

    internal static BatchView ToView(SterilizationBatch b) =>
        new(b.Id, b.Method.ToString(), b.CycleId, b.Sterilizer, b.Parameters, b.IndicatorResult.ToString(), b.StartedAt, b.EndedAt, b.CreatedAt, b.UpdatedAt);

    private static async Task<bool> SaveUniqueAsync(TrabeculaDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // The unique index (name, serial, lot or cycle within the factory) refused it.
            db.ChangeTracker.Clear();
            return false;
        }
    }

    private static AuditEvent Updated(string type, Guid id, string before, string after) => new(AuditAction.DataUpdated)
    {
        TargetType = type,
        TargetId = id.ToString(),
        Details = new Dictionary<string, object?> { ["before"] = before, ["after"] = after },
    };

    private static ProblemHttpResult NotFactory() => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden,
        detail: "Master records are kept by a manufacturer's production operators, quality inspectors and administrators.");

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, type: ProblemTypes.Validation);

    private static ProblemHttpResult Duplicate(string detail) => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: detail);

    private static ProblemHttpResult InUse(string detail) => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: detail);
}
