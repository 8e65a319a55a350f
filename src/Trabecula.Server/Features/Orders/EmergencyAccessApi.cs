using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Monitoring;
using Trabecula.Server.Infrastructure.Errors;

namespace Trabecula.Server.Features.Orders;

public sealed record EmergencyAccessRequest([property: MaxLength(1000)] string? Reason, [property: MaxLength(16)] string? TotpCode, int? Minutes);

public sealed record EmergencyReviewRequest([property: MaxLength(16)] string? Verdict, [property: MaxLength(2000)] string? Note);

public sealed record EmergencyGrantView(
    Guid Id, Guid OrderId, string? OrderNumber, string Holder, string Reason, DateTime OpenedAt, DateTime ExpiresAt, DateTime? EndedAt, bool EndedEarly,
    bool Active, DateTime? ReviewedAt, string? Reviewer, string? Verdict, string? ReviewNote);

/// <summary>
/// Emergency access (紧急访问, R-AUTH-6, test plan EMG-01): open a time-limited window on one order
/// beyond the stage permission matrix with a written reason and a fresh second factor; it raises
/// an alert, marks every access under it, closes on its own, and waits for an auditor's review.
/// </summary>
internal static class EmergencyAccessApi
{
    public static void MapEmergencyAccessApi(this IEndpointRouteBuilder endpoints)
    {
        var order = endpoints.MapGroup("/api/orders/{id:guid}/emergency-access").WithTags("Emergency access").RequireAuthorization(Policies.Active);
        order.MapPost("/", OpenAsync).WithName("OpenEmergencyAccess")
            .WithSummary("Open break-glass access to this order: reason and a current authenticator code required; raises an alert.");
        order.MapGet("/", ListForOrderAsync).WithName("ListOrderEmergencyAccess").WithSummary("Emergency windows opened on this order.");
        order.MapPost("/{grantId:guid}/end", EndAsync).WithName("EndEmergencyAccess").WithSummary("Give the window back before it runs out.");

        var review = endpoints.MapGroup("/api/emergency-access").WithTags("Emergency access").RequireAuthorization(Policies.Auditor);
        review.MapGet("/", ListForReviewAsync).WithName("ListEmergencyAccess").WithSummary("Emergency windows; pending=true: ended and not yet reviewed.");
        review.MapPost("/{grantId:guid}/review", ReviewAsync).WithName("ReviewEmergencyAccess").WithSummary("Close the review item of an ended window.");
    }

    internal static async Task<Results<Created<EmergencyGrantView>, NotFound, ValidationProblem, ProblemHttpResult>> OpenAsync(
        Guid id, EmergencyAccessRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, AlertService alerts,
        TwoFactorService twoFactor, UserManager<TrabeculaUser> users, IOptions<EmergencyAccessOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null && settings.PlatformRoles.Any(user.IsInRole))
        {
            // A platform-designated break-glass role may reach an order its organization does not take part in.
            order = await db.Orders.AsNoTracking().SingleOrDefaultAsync(o => o.Id == id, cancellationToken);
        }

        if (order is null)
        {
            return TypedResults.NotFound();
        }

        var errors = new Dictionary<string, string[]>();
        if (request.Reason is null || request.Reason.Trim().Length < 10)
        {
            errors["reason"] = ["Write why you need emergency access (at least 10 characters)."];
        }

        var minutes = request.Minutes ?? settings.DefaultMinutes;
        if (minutes < 1 || minutes > settings.MaxMinutes)
        {
            errors["minutes"] = [$"The window is 1 to {settings.MaxMinutes} minutes."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var account = await users.GetUserAsync(user);
        if (account is null || !await twoFactor.VerifyCodeAsync(account, request.TotpCode))
        {
            await audit.RecordAsync(new AuditEvent(AuditAction.PermissionDenied, AuditOutcome.Denied)
            {
                TargetType = "emergency-access",
                TargetId = order.Number,
                OrderId = order.Id,
                Details = new Dictionary<string, object?> { ["why"] = "second factor" },
            }, cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden,
                detail: "Emergency access needs a current code from your authenticator app.");
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (await db.EmergencyGrants.AnyAsync(g => g.UserId == account.Id && g.OrderId == order.Id && g.EndedAt == null && g.ExpiresAt > now, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: "You already hold an open emergency window on this order.");
        }

        var grant = new EmergencyGrant
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OrderId = order.Id,
            UserId = account.Id,
            UserName = account.UserName ?? "",
            OrganizationId = account.OrganizationId,
            Reason = request.Reason!.Trim(),
            OpenedAt = now,
            ExpiresAt = now.AddMinutes(minutes),
        };
        db.EmergencyGrants.Add(grant);
        await db.SaveChangesAsync(cancellationToken);
        await alerts.RaiseAsync(AlertKind.EmergencyAccess, $"{order.Number}:{account.UserName}",
            $"Emergency access to order {order.Number} by {account.UserName} for {minutes} min.", cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.EmergencyAccessOpened)
        {
            TargetType = "emergency-access",
            TargetId = grant.Id.ToString(),
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { [EmergencyAccessService.MarkKey] = grant.Id.ToString(), ["minutes"] = minutes },
        }, cancellationToken);
        return TypedResults.Created($"/api/orders/{order.Id}/emergency-access", ToView(grant, order.Number, now));
    }

    internal static async Task<Results<Ok<List<EmergencyGrantView>>, NotFound>> ListForOrderAsync(
        Guid id, ClaimsPrincipal user, TrabeculaDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        var now = time.GetUtcNow().UtcDateTime;
        var grants = await db.EmergencyGrants.AsNoTracking().Where(g => g.OrderId == id).OrderByDescending(g => g.OpenedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(grants.Select(g => ToView(g, order.Number, now)).ToList());
    }

    internal static async Task<Results<Ok<EmergencyGrantView>, NotFound, ProblemHttpResult>> EndAsync(
        Guid id, Guid grantId, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var me = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
        var grant = await db.EmergencyGrants.SingleOrDefaultAsync(g => g.Id == grantId && g.OrderId == id && g.UserId == me, cancellationToken);
        if (grant is null)
        {
            return TypedResults.NotFound();
        }

        var now = time.GetUtcNow().UtcDateTime;
        if (!grant.IsActiveAt(now))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: "This window has already closed.");
        }

        grant.EndedAt = now;
        grant.EndedEarly = true;
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.EmergencyAccessEnded)
        {
            TargetType = "emergency-access",
            TargetId = grant.Id.ToString(),
            OrderId = grant.OrderId,
            Details = new Dictionary<string, object?> { ["how"] = "ended by holder" },
        }, cancellationToken);
        var number = await db.Orders.Where(o => o.Id == id).Select(o => o.Number).SingleAsync(cancellationToken);
        return TypedResults.Ok(ToView(grant, number, now));
    }

    internal static async Task<Ok<List<EmergencyGrantView>>> ListForReviewAsync(bool? pending, TrabeculaDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var query = db.EmergencyGrants.AsNoTracking();
        if (pending == true)
        {
            // A window that ran out counts as ended even before the sweep has recorded it.
            query = query.Where(g => g.ReviewedAt == null && (g.EndedAt != null || g.ExpiresAt <= now));
        }

        var rows = await query.OrderByDescending(g => g.OpenedAt).Take(500)
            .Join(db.Orders, g => g.OrderId, o => o.Id, (g, o) => new { Grant = g, o.Number })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(r => ToView(r.Grant, r.Number, now)).ToList());
    }

    internal static async Task<Results<Ok<EmergencyGrantView>, NotFound, ValidationProblem, ProblemHttpResult>> ReviewAsync(
        Guid grantId, EmergencyReviewRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, AlertService alerts, TimeProvider time, CancellationToken cancellationToken)
    {
        var grant = await db.EmergencyGrants.SingleOrDefaultAsync(g => g.Id == grantId, cancellationToken);
        if (grant is null)
        {
            return TypedResults.NotFound();
        }

        var errors = new Dictionary<string, string[]>();
        if (!Enum.TryParse<EmergencyVerdict>(request.Verdict, out var verdict) || !Enum.IsDefined(verdict))
        {
            errors["verdict"] = ["Justified or Misuse."];
        }

        if (string.IsNullOrWhiteSpace(request.Note))
        {
            errors["note"] = ["Say what you checked."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var me = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
        if (grant.UserId == me)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden, detail: "Nobody reviews their own emergency access.");
        }

        if (grant.IsActiveAt(now) || grant.ReviewedAt is not null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict,
                detail: grant.ReviewedAt is null ? "The window is still open; review it once it has closed." : "This item is already reviewed.");
        }

        grant.EndedAt ??= grant.ExpiresAt;
        grant.ReviewedAt = now;
        grant.ReviewedBy = me;
        grant.ReviewerName = user.Identity?.Name;
        grant.Verdict = verdict;
        grant.ReviewNote = request.Note!.Trim();
        await db.SaveChangesAsync(cancellationToken);
        if (verdict == EmergencyVerdict.Misuse)
        {
            await alerts.RaiseAsync(AlertKind.EmergencyAccess, $"{grant.UserName}", $"Emergency access {grant.Id} judged misuse by an auditor.", cancellationToken);
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.EmergencyAccessReviewed)
        {
            TargetType = "emergency-access",
            TargetId = grant.Id.ToString(),
            OrderId = grant.OrderId,
            Details = new Dictionary<string, object?> { ["verdict"] = verdict.ToString() },
        }, cancellationToken);
        var number = await db.Orders.Where(o => o.Id == grant.OrderId).Select(o => o.Number).SingleAsync(cancellationToken);
        return TypedResults.Ok(ToView(grant, number, now));
    }

    private static EmergencyGrantView ToView(EmergencyGrant g, string? number, DateTime now) => new(
        g.Id, g.OrderId, number, g.UserName, g.Reason, g.OpenedAt, g.ExpiresAt, g.EndedAt ?? (g.ExpiresAt <= now ? g.ExpiresAt : null), g.EndedEarly,
        g.IsActiveAt(now), g.ReviewedAt, g.ReviewerName, g.Verdict?.ToString(), g.ReviewNote);
}
