using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Infrastructure.Errors;

namespace Trabecula.Server.Features.Permissions;

public sealed record PermissionCellView(string Party, string Role, string Stage, string Class, string Action);

public sealed record PermissionChange(
    [property: Required] string? Party, [property: Required] string? Role, [property: Required] string? Stage,
    [property: Required] string? Class, [property: Required] string? Action, bool Allowed);

/// <summary>The decision; <paramref name="EmergencyGrantId"/> is set when it was made under break-glass access.</summary>
public sealed record AccessAnswer(bool Allowed, string Stage, string Class, string Action, Guid? EmergencyGrantId);

/// <summary>The stage permission matrix: view and change (security administrators, audited), and the per-order question.</summary>
internal static class PermissionsApi
{
    public static void MapPermissionsApi(this IEndpointRouteBuilder endpoints)
    {
        var matrix = endpoints.MapGroup("/api/permissions").WithTags("Permissions");
        matrix.MapGet("/", ListAsync).WithName("GetPermissionMatrix").WithSummary("Every allowed cell of the matrix; anything absent is denied.")
            .RequireAuthorization(Policies.SecurityAdmin);
        matrix.MapPut("/", ChangeAsync).WithName("ChangePermission").WithSummary("Allow or deny one cell; audited as a settings change.")
            .RequireAuthorization(Policies.SecurityAdmin);

        endpoints.MapGet("/api/orders/{id:guid}/access", AskAsync).WithTags("Orders").WithName("AskOrderAccess")
            .WithSummary("May I do this action on this class of this order's data now? The decision is audited.")
            .RequireAuthorization(Policies.Active);
    }

    private static async Task<Ok<List<PermissionCellView>>> ListAsync(TrabeculaDbContext db, CancellationToken cancellationToken)
    {
        var rules = await db.PermissionRules.AsNoTracking().ToListAsync(cancellationToken);
        return TypedResults.Ok(rules
            .OrderBy(r => r.Party).ThenBy(r => r.Role, StringComparer.Ordinal).ThenBy(r => r.Stage).ThenBy(r => r.Class).ThenBy(r => r.Action)
            .Select(r => new PermissionCellView(r.Party.ToString(), r.Role, r.Stage.ToString(), r.Class.ToString(), r.Action.ToString())).ToList());
    }

    internal static async Task<Results<NoContent, ValidationProblem>> ChangeAsync(PermissionChange change, TrabeculaDbContext db, IAuditLog audit, PermissionMatrix matrix, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var party = Parse<PartyTypes>(change.Party, "party", errors);
        var stage = Parse<OrderState>(change.Stage, "stage", errors);
        var cls = Parse<DataClass>(change.Class, "class", errors);
        var action = Parse<DataAction>(change.Action, "action", errors);
        if (change.Role is null || !Roles.All.Contains(change.Role, StringComparer.Ordinal))
        {
            errors["role"] = [$"Unknown role '{change.Role}'."];
        }

        if (party == PartyTypes.None)
        {
            errors["party"] = ["A single party type is required."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var existing = await db.PermissionRules.SingleOrDefaultAsync(
            r => r.Party == party && r.Role == change.Role && r.Stage == stage && r.Class == cls && r.Action == action, cancellationToken);
        if (change.Allowed && existing is null)
        {
            db.PermissionRules.Add(new PermissionRule { Id = Guid.NewGuid(), Party = party, Role = change.Role!, Stage = stage, Class = cls, Action = action });
        }
        else if (!change.Allowed && existing is not null)
        {
            db.PermissionRules.Remove(existing);
        }

        await db.SaveChangesAsync(cancellationToken);
        matrix.Invalidate();
        await audit.RecordAsync(new AuditEvent(AuditAction.SettingsChanged)
        {
            TargetType = "permission-matrix",
            TargetId = $"{party}/{change.Role}/{stage}/{cls}/{action}",
            Details = new Dictionary<string, object?> { ["allowed"] = change.Allowed, ["wasAllowed"] = existing is not null },
        }, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<AccessAnswer>, NotFound, ValidationProblem>> AskAsync(
        Guid id, string? @class, string? action, ClaimsPrincipal user, TrabeculaDbContext db, AccessPolicy policy, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var cls = Parse<DataClass>(@class, "class", errors);
        var act = Parse<DataAction>(action, "action", errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        var decision = await policy.DecideAsync(user, order, cls, act, cancellationToken);
        return TypedResults.Ok(new AccessAnswer(decision.Allowed, order.State.ToString(), cls.ToString(), act.ToString(), decision.EmergencyGrantId));
    }

    private static T Parse<T>(string? value, string field, Dictionary<string, string[]> errors)
        where T : struct, Enum
    {
        if (Enum.TryParse<T>(value, out var parsed) && Enum.IsDefined(parsed))
        {
            return parsed;
        }

        errors[field] = [$"'{value}' is not one of {string.Join(", ", Enum.GetNames<T>())}."];
        return default;
    }
}

internal static class PermissionsExtensions
{
    public static IHostApplicationBuilder AddPermissions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<AccessPolicy>();
        builder.Services.AddSingleton<PermissionMatrix>();
        return builder;
    }

    public static WebApplication MapPermissions(this WebApplication app)
    {
        app.MapPermissionsApi();
        return app;
    }
}
