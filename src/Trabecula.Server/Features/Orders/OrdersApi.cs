using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Hosting;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Orders;

/// <summary>
/// Cases and orders (R-CASE-1/2/5): create with the case, list, read, revise requirements, assign
/// participants, move through the lifecycle, read the history. An order exists only for the
/// organizations taking part in it: everyone else gets 404 (no existence leak).
/// </summary>
public static class OrdersApi
{
    public static void MapOrdersApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/orders").WithTags("Orders").RequireAuthorization(Policies.Active);
        group.MapGet("/", ListAsync).WithName("ListOrders").WithSummary("Orders your organization takes part in; filter by state, category, number, dates; paged.");
        group.MapPost("/", CreateAsync).WithName("CreateOrder").WithSummary("A physician opens a case and its order with the first requirements.");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetOrder").WithSummary("The order; the patient's identity only for the institution, a pseudonym for everyone else.");
        group.MapPut("/{id:guid}/requirements", ReviseAsync).WithName("ReviseRequirements").WithSummary("A new requirements revision, keeping the old ones with who, when and why.");
        group.MapGet("/{id:guid}/requirements", RevisionsAsync).WithName("ListRequirementRevisions").WithSummary("Every requirements revision, newest first.");
        group.MapGet("/{id:guid}/requirements/diff", DiffAsync).WithName("DiffRequirementRevisions").WithSummary("Field-by-field changes from revision 'from' to revision 'to'.");
        group.MapPut("/{id:guid}/participants", AssignAsync).WithName("AssignParticipants").WithSummary("The institution assigns the designer, manufacturer and registrant organizations.");
        group.MapPost("/{id:guid}/transitions", TransitionAsync).WithName("TransitionOrder").WithSummary("Move the order; 409 lists the moves that exist, 403 when the move is another party's.");
        group.MapGet("/{id:guid}/history", HistoryAsync).WithName("OrderHistory").WithSummary("The flow history: every transition with actor and reason.");
    }

    /// <summary>The list API: one query of the listing index, or the same answer from <see cref="OrderListCache"/>.</summary>
    internal static async Task<OrderListResult> ListAsync(
        ClaimsPrincipal user, HttpContext context, OrderListCache cache, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        string? state, string? category, string? number, Guid? participant, DateTime? from, DateTime? to, int? page, int? pageSize, CancellationToken cancellationToken)
    {
        var org = OrganizationOf(user);
        var filter = OrderListFilter.Parse(state, category, number, participant, from, to, page, pageSize);
        var key = filter.Key;
        if (cache.TryGet(org, key, out var cached))
        {
            return new OrderListResult(cached);
        }

        // The version is read before the query: a save committed while it runs makes this answer stale at once.
        var version = cache.VersionOf(org);
        // The DbContext is asked for only now: constructing one was a fifth of a cached answer's cost.
        var db = context.RequestServices.GetRequiredService<TrabeculaDbContext>();
        var answer = JsonSerializer.SerializeToUtf8Bytes(await filter.RunAsync(db, org, cancellationToken), json.Value.SerializerOptions);
        cache.Set(org, key, version, answer);
        return new OrderListResult(answer);
    }

    internal static async Task<Results<Created<OrderView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateOrderRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, IOptions<OrderOptions> options, TimeProvider time, TransitionGuards guards, CancellationToken cancellationToken)
    {
        var org = OrganizationOf(user);
        var organization = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == org, cancellationToken);
        if (!user.IsInRole(Roles.Physician) || !organization.Has(PartyTypes.MedicalInstitution))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden, detail: "A physician of a medical institution opens cases.");
        }

        var errors = Validate(request.Requirement, options.Value, requireReason: false);
        if (string.IsNullOrWhiteSpace(request.Patient?.Name))
        {
            errors["patient.name"] = ["The patient's name is required."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var actor = ActorId(user);
        for (var attempt = 1; ; attempt++)
        {
            var patient = new PatientCase
            {
                Id = Guid.CreateVersion7(time.GetUtcNow()),
                InstitutionId = org,
                Pseudonym = "P-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)),
                PatientName = request.Patient!.Name!.Trim(),
                PatientSex = request.Patient.Sex,
                PatientBirthDate = request.Patient.BirthDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                HospitalRecordNumber = request.Patient.HospitalRecordNumber,
                PatientIdNumber = request.Patient.IdNumber,
                CreatedAt = now,
                CreatedBy = actor,
            };
            var year = now.Year.ToString(CultureInfo.InvariantCulture);
            var prefix = $"TB-{year}-";
            var count = await db.Orders.CountAsync(o => o.Number.StartsWith(prefix), cancellationToken);
            var order = new Order
            {
                Id = Guid.CreateVersion7(time.GetUtcNow()),
                CaseId = patient.Id,
                Number = prefix + (count + attempt).ToString("D6", CultureInfo.InvariantCulture),
                State = OrderState.RequirementRaised,
                InstitutionId = org,
                CurrentRevision = 1,
                DeviceCategory = request.Requirement!.DeviceCategory!,
                CreatedAt = now,
                UpdatedAt = now,
                Version = 1,
            };
            db.Cases.Add(patient);
            db.Orders.Add(order);
            db.RequirementRevisions.Add(Revision(order, 1, request.Requirement, user, now));
            db.StateTransitions.Add(History(order.Id, null, OrderState.RequirementRaised, "raise-requirement", null, user, now));
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException) when (attempt < 5)
            {
                // Another order took the number (or the pseudonym) at the same moment: try the next.
                db.ChangeTracker.Clear();
                continue;
            }

            await audit.RecordAsync(new AuditEvent(AuditAction.DataCreated) { TargetType = "order", TargetId = order.Number, OrderId = order.Id }, cancellationToken);
            return TypedResults.Created($"/api/orders/{order.Id}", await ViewAsync(db, order, user, guards, cancellationToken));
        }
    }

    /// <summary>The order if the caller's organization takes part in it, for other features' endpoints (404 otherwise).</summary>
    public static Task<Order?> FindForCallerAsync(TrabeculaDbContext db, Guid id, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken) =>
        FindAsync(db, id, user, time, cancellationToken);

    internal static async Task<Results<Ok<OrderView>, NotFound>> GetAsync(Guid id, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TransitionGuards guards, TimeProvider time, EmergencyAccessService emergency, CancellationToken cancellationToken)
    {
        var order = await FindAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        var view = await ViewAsync(db, order, user, guards, cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataViewed)
        {
            TargetType = view.Patient is null ? "order" : "order+patient-identity",
            TargetId = order.Number,
            OrderId = order.Id,
            Details = await emergency.MarkAsync(user, order.Id, cancellationToken),
        }, cancellationToken);
        return TypedResults.Ok(view);
    }

    internal static async Task<Results<Ok<OrderView>, NotFound, ValidationProblem, ProblemHttpResult>> ReviseAsync(
        Guid id, RequirementInput request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, IOptions<OrderOptions> options, TimeProvider time, TransitionGuards guards, CancellationToken cancellationToken)
    {
        var order = await FindAsync(db, id, user, time, cancellationToken, tracking: true);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (order.InstitutionId != OrganizationOf(user) || !(user.IsInRole(Roles.Physician) || user.IsInRole(Roles.InstitutionAdmin)))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden, detail: "Only the institution revises its requirements.");
        }

        if (order.State is not (OrderState.RequirementRaised or OrderState.DataCollected or OrderState.DataConfirmed or OrderState.Designing or OrderState.DesignReview))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict,
                detail: $"Requirements are fixed once the design is approved (state {order.State}); a change goes through design change control.");
        }

        var errors = Validate(request, options.Value, requireReason: true);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var now = time.GetUtcNow().UtcDateTime;
        order.CurrentRevision++;
        order.DeviceCategory = request.DeviceCategory!;
        order.UpdatedAt = now;
        order.Version++;
        db.RequirementRevisions.Add(Revision(order, order.CurrentRevision, request, user, now));
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataUpdated)
        {
            TargetType = "requirements",
            TargetId = $"{order.Number}/r{order.CurrentRevision}",
            OrderId = order.Id,
        }, cancellationToken);
        return TypedResults.Ok(await ViewAsync(db, order, user, guards, cancellationToken));
    }

    internal static async Task<Results<Ok<List<RequirementView>>, NotFound>> RevisionsAsync(Guid id, ClaimsPrincipal user, TrabeculaDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, id, user, time, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        var revisions = await db.RequirementRevisions.AsNoTracking().Where(r => r.OrderId == id).OrderByDescending(r => r.Revision).ToListAsync(cancellationToken);
        return TypedResults.Ok(revisions.Select(ToView).ToList());
    }

    internal static async Task<Results<Ok<List<RequirementChange>>, NotFound, ValidationProblem>> DiffAsync(
        Guid id, int from, int to, ClaimsPrincipal user, TrabeculaDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, id, user, time, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        var pair = await db.RequirementRevisions.AsNoTracking().Where(r => r.OrderId == id && (r.Revision == from || r.Revision == to)).ToListAsync(cancellationToken);
        var before = pair.SingleOrDefault(r => r.Revision == from);
        var after = pair.SingleOrDefault(r => r.Revision == to);
        if (before is null || after is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["Both revisions must exist."] }, type: ProblemTypes.Validation);
        }

        return TypedResults.Ok(RequirementDiff.Compare(ToView(before), ToView(after)).ToList());
    }

    internal static async Task<Results<Ok<OrderView>, NotFound, ValidationProblem, ProblemHttpResult>> AssignAsync(
        Guid id, ParticipantsRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, TransitionGuards guards, CancellationToken cancellationToken)
    {
        var order = await FindAsync(db, id, user, time, cancellationToken, tracking: true);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (order.InstitutionId != OrganizationOf(user) || !(user.IsInRole(Roles.Physician) || user.IsInRole(Roles.InstitutionAdmin)))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden, detail: "The institution assigns the participants.");
        }

        if (request.Version is { } version && version != order.Version)
        {
            return Stale(order);
        }

        var errors = new Dictionary<string, string[]>();
        await CheckPartyAsync(db, request.DesignerId, PartyTypes.Designer, "designerId", errors, cancellationToken);
        await CheckPartyAsync(db, request.ManufacturerId, PartyTypes.Manufacturer, "manufacturerId", errors, cancellationToken);
        await CheckPartyAsync(db, request.RegistrantId, PartyTypes.MarketingAuthorizationHolder, "registrantId", errors, cancellationToken);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var before = $"{order.DesignerId},{order.ManufacturerId},{order.RegistrantId}";
        order.DesignerId = request.DesignerId ?? order.DesignerId;
        order.ManufacturerId = request.ManufacturerId ?? order.ManufacturerId;
        order.RegistrantId = request.RegistrantId ?? order.RegistrantId;
        order.UpdatedAt = time.GetUtcNow().UtcDateTime;
        order.Version++;
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataShared)
        {
            TargetType = "order-participants",
            TargetId = order.Number,
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["before"] = before, ["after"] = $"{order.DesignerId},{order.ManufacturerId},{order.RegistrantId}" },
        }, cancellationToken);
        return TypedResults.Ok(await ViewAsync(db, order, user, guards, cancellationToken));
    }

    internal static async Task<Results<Ok<OrderView>, NotFound, ValidationProblem, ProblemHttpResult>> TransitionAsync(
        Guid id, TransitionRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, TransitionGuards guards, CancellationToken cancellationToken)
    {
        var order = await FindAsync(db, id, user, time, cancellationToken, tracking: true);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (!Enum.TryParse<OrderState>(request.To, out var to) || !Enum.IsDefined(to))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["to"] = [$"'{request.To}' is not a state."] }, type: ProblemTypes.Validation);
        }

        if (request.Version is { } version && version != order.Version)
        {
            return Stale(order);
        }

        var organization = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == OrganizationOf(user), cancellationToken);
        var roles = user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToList();
        var verdict = OrderLifecycle.Decide(order.State, to, OrderParties.Of(order, organization), roles, order.HeldFrom);
        if (verdict != TransitionVerdict.Allowed)
        {
            await audit.RecordAsync(new AuditEvent(AuditAction.PermissionDenied, AuditOutcome.Denied)
            {
                TargetType = "order-transition",
                TargetId = $"{order.Number}:{order.State}->{to}",
                OrderId = order.Id,
            }, cancellationToken);
            var problem = TypedResults.Problem(
                statusCode: verdict == TransitionVerdict.NotFromThisState ? StatusCodes.Status409Conflict : StatusCodes.Status403Forbidden,
                type: verdict == TransitionVerdict.NotFromThisState ? ProblemTypes.Conflict : ProblemTypes.Forbidden,
                detail: verdict == TransitionVerdict.NotFromThisState
                    ? $"An order in {order.State} cannot move to {to}."
                    : $"Moving from {order.State} to {to} is another party's or role's step.",
                extensions: new Dictionary<string, object?> { ["allowed"] = OrderLifecycle.From(order.State, order.HeldFrom).Select(m => m.To.ToString()).ToList(), ["state"] = order.State.ToString() });
            return problem;
        }

        var move = OrderLifecycle.From(order.State, order.HeldFrom).First(t => t.To == to);
        var unmet = await guards.UnmetAsync(order, move.Name, cancellationToken);
        if (unmet.Count > 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.PreconditionUnmet,
                detail: string.Join(" ", unmet.Select(u => u.Message)),
                extensions: new Dictionary<string, object?> { ["unmet"] = unmet.Select(u => u.Code).ToList(), ["state"] = order.State.ToString() });
        }

        var now = time.GetUtcNow().UtcDateTime;
        var from = order.State;
        order.HeldFrom = to == OrderState.OnHold ? from : null;
        order.State = to;
        order.UpdatedAt = now;
        order.Version++;
        db.StateTransitions.Add(History(order.Id, from, to, move.Name, request.Reason, user, now));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Somebody else moved the order between our read and our write: exactly one wins.
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict,
                detail: "The order changed meanwhile; reload it and try again.");
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataUpdated)
        {
            TargetType = "order-state",
            TargetId = $"{order.Number}:{from}->{to}",
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["transition"] = move.Name },
        }, cancellationToken);
        return TypedResults.Ok(await ViewAsync(db, order, user, guards, cancellationToken));
    }

    internal static async Task<Results<Ok<List<HistoryEntry>>, NotFound>> HistoryAsync(Guid id, ClaimsPrincipal user, TrabeculaDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, id, user, time, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        var rows = await db.StateTransitions.AsNoTracking().Where(t => t.OrderId == id).OrderBy(t => t.OccurredAt).ThenBy(t => t.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(t => new HistoryEntry(t.From?.ToString(), t.To.ToString(), t.Name, t.Reason, t.ActorName, t.ActorOrganization, t.OccurredAt)).ToList());
    }

    /// <summary>The order if the caller's organization takes part in it; otherwise null (answered as 404).</summary>
    /// <remarks>An open emergency grant (R-AUTH-6) also makes the order visible to its holder for the window.</remarks>
    private static async Task<Order?> FindAsync(TrabeculaDbContext db, Guid id, ClaimsPrincipal user, TimeProvider time, CancellationToken cancellationToken, bool tracking = false)
    {
        var org = OrganizationOf(user);
        var me = ActorId(user);
        var now = time.GetUtcNow().UtcDateTime;
        var query = tracking ? db.Orders : db.Orders.AsNoTracking();
        return await query.Where(o => o.Id == id)
            .Where(o => o.InstitutionId == org || o.DesignerId == org || o.ManufacturerId == org || o.RegistrantId == org
                || db.EmergencyGrants.Any(g => g.OrderId == o.Id && g.UserId == me && g.EndedAt == null && g.ExpiresAt > now))
            .SingleOrDefaultAsync(cancellationToken);
    }

    private static async Task<OrderView> ViewAsync(TrabeculaDbContext db, Order order, ClaimsPrincipal user, TransitionGuards guards, CancellationToken cancellationToken)
    {
        var patient = await db.Cases.AsNoTracking().SingleAsync(c => c.Id == order.CaseId, cancellationToken);
        var revision = await db.RequirementRevisions.AsNoTracking().SingleAsync(r => r.OrderId == order.Id && r.Revision == order.CurrentRevision, cancellationToken);
        var isInstitution = order.InstitutionId == OrganizationOf(user);
        return new OrderView(
            order.Id, order.Number, order.State.ToString(), order.HeldFrom?.ToString(), order.Version, patient.Pseudonym,
            isInstitution ? new PatientView(patient.PatientName, patient.PatientSex, patient.PatientBirthDate, patient.HospitalRecordNumber, patient.PatientIdNumber) : null,
            order.InstitutionId, order.DesignerId, order.ManufacturerId, order.RegistrantId, ToView(revision), await NextMovesAsync(order, guards, cancellationToken), order.CreatedAt, order.UpdatedAt);
    }

    private static async Task<List<NextMove>> NextMovesAsync(Order order, TransitionGuards guards, CancellationToken cancellationToken)
    {
        var moves = new List<NextMove>();
        foreach (var t in OrderLifecycle.From(order.State, order.HeldFrom))
        {
            var unmet = await guards.UnmetAsync(order, t.Name, cancellationToken);
            moves.Add(new NextMove(t.Name, t.To.ToString(), t.Party.ToString(), [.. t.Roles.Order(StringComparer.Ordinal)], unmet));
        }

        return moves;
    }

    private static RequirementView ToView(RequirementRevision r) => new(
        r.Revision, r.DeviceCategory, r.AnatomicalSite, r.Indication, r.ClinicalRequirement,
        r.PlannedSurgeryDate is { } d ? DateOnly.FromDateTime(d) : null, r.Urgency, r.Reason, r.CreatedAt, r.CreatedByName);

    private static RequirementRevision Revision(Order order, int number, RequirementInput input, ClaimsPrincipal user, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(new DateTimeOffset(now)),
        OrderId = order.Id,
        Revision = number,
        DeviceCategory = input.DeviceCategory!,
        AnatomicalSite = input.AnatomicalSite?.Trim() ?? "",
        Indication = input.Indication?.Trim() ?? "",
        ClinicalRequirement = input.ClinicalRequirement?.Trim() ?? "",
        PlannedSurgeryDate = input.PlannedSurgeryDate?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
        Urgency = input.Urgency ?? "Routine",
        Reason = input.Reason?.Trim(),
        CreatedAt = now,
        CreatedBy = ActorId(user),
        CreatedByName = user.Identity?.Name ?? "",
    };

    private static StateTransition History(Guid orderId, OrderState? from, OrderState to, string name, string? reason, ClaimsPrincipal user, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(new DateTimeOffset(now)),
        OrderId = orderId,
        From = from,
        To = to,
        Name = name,
        Reason = reason?.Trim(),
        ActorId = ActorId(user),
        ActorName = user.Identity?.Name ?? "",
        ActorOrganization = user.FindFirstValue(TrabeculaClaimTypes.OrganizationName) ?? "",
        OccurredAt = now,
    };

    private static Dictionary<string, string[]> Validate(RequirementInput? input, OrderOptions options, bool requireReason)
    {
        var errors = new Dictionary<string, string[]>();
        if (input is null)
        {
            errors["requirement"] = ["The requirements are required."];
            return errors;
        }

        if (input.DeviceCategory is null || !options.DeviceCategories.Contains(input.DeviceCategory, StringComparer.Ordinal))
        {
            errors["requirement.deviceCategory"] = [$"The device category is one of {string.Join(", ", options.DeviceCategories)}."];
        }

        if (string.IsNullOrWhiteSpace(input.ClinicalRequirement))
        {
            errors["requirement.clinicalRequirement"] = ["The clinical requirement is required."];
        }

        if (input.Urgency is not (null or "Routine" or "Urgent" or "Emergency"))
        {
            errors["requirement.urgency"] = ["Urgency is Routine, Urgent or Emergency."];
        }

        if (requireReason && string.IsNullOrWhiteSpace(input.Reason))
        {
            errors["requirement.reason"] = ["Say why the requirements change."];
        }

        return errors;
    }

    private static async Task CheckPartyAsync(TrabeculaDbContext db, Guid? organizationId, PartyTypes party, string field, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        if (organizationId is not { } id)
        {
            return;
        }

        var organization = await db.Organizations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == id, cancellationToken);
        if (organization is null || !organization.Has(party))
        {
            errors[field] = [$"Not a registered {party}."];
        }
    }

    private static ProblemHttpResult Stale(Order order) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict,
        type: ProblemTypes.Conflict,
        detail: "The order changed since you read it; reload it and try again.",
        extensions: new Dictionary<string, object?> { ["version"] = order.Version });

    private static Guid OrganizationOf(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(TrabeculaClaimTypes.OrganizationId)!);

    private static Guid ActorId(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
}

internal static class OrdersExtensions
{
    /// <summary>Orders in which <paramref name="organizationId"/> takes part, in any party (the tenant boundary).</summary>
    public static IQueryable<Order> TakingPart(this IQueryable<Order> orders, Guid organizationId) =>
        orders.Where(o => o.InstitutionId == organizationId || o.DesignerId == organizationId
            || o.ManufacturerId == organizationId || o.RegistrantId == organizationId);

    public static IHostApplicationBuilder AddOrders(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<OrderOptions, OrderOptionsValidator>(OrderOptions.SectionName);
        builder.Services.AddScoped<TransitionGuards>();
        builder.Services.AddTransitionGuard<RequirementsConfirmedGuard>();
        builder.Services.AddValidatedOptions<EmergencyAccessOptions, EmergencyAccessOptionsValidator>(EmergencyAccessOptions.SectionName);
        builder.Services.AddScoped<EmergencyAccessService>();
        builder.Services.AddHostedService<EmergencyExpirySweeper>();
        return builder;
    }

    public static WebApplication MapOrders(this WebApplication app)
    {
        app.MapOrdersApi();
        app.MapFeedbackApi();
        app.MapEmergencyAccessApi();
        return app;
    }
}
