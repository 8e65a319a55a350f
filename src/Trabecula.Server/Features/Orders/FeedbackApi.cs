using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Orders;

public sealed record CommentRequest([property: MaxLength(4000)] string? Body, [property: MaxLength(32)] string? ArtifactType, [property: MaxLength(64)] string? ArtifactId, Guid? ParentId);

public sealed record CommentView(Guid Id, string ArtifactType, string? ArtifactId, Guid? ParentId, string Body, IReadOnlyList<string> Mentions, string Author, string Organization, DateTime CreatedAt);

public sealed record ConfirmationRequest([property: MaxLength(32)] string? ArtifactType, int? Version, [property: MaxLength(500)] string? Statement);

public sealed record ConfirmationView(string ArtifactType, int Version, string Statement, string Actor, string Organization, DateTime CreatedAt);

/// <summary>Feedback between the parties (R-CASE-4): threaded comments with mentions, and explicit confirmations of one version.</summary>
internal static partial class FeedbackApi
{
    private static readonly HashSet<string> ArtifactTypes = ["order", "requirements"];

    public static void MapFeedbackApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/orders/{id:guid}").WithTags("Orders").RequireAuthorization(Policies.Active);
        group.MapGet("/comments", ListCommentsAsync).WithName("ListComments").WithSummary("Comments on the order and its artifacts, oldest first.");
        group.MapPost("/comments", AddCommentAsync).WithName("AddComment").WithSummary("Comment (plain text) on the order or an artifact; @user mentions notify participants.");
        group.MapGet("/confirmations", ListConfirmationsAsync).WithName("ListConfirmations").WithSummary("Who confirmed which version of which artifact.");
        group.MapPost("/confirmations", ConfirmAsync).WithName("Confirm").WithSummary("Confirm one version of one artifact, e.g. revision 3 of the requirements.");
    }

    internal static async Task<Results<Ok<List<CommentView>>, NotFound>> ListCommentsAsync(Guid id, ClaimsPrincipal user, TrabeculaDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        var comments = await db.OrderComments.AsNoTracking().Where(c => c.OrderId == id).OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Take(1000).ToListAsync(cancellationToken);
        return TypedResults.Ok(comments.Select(c => new CommentView(c.Id, c.ArtifactType, c.ArtifactId, c.ParentId, c.Body,
            c.Mentions.Split(' ', StringSplitOptions.RemoveEmptyEntries), c.AuthorName, c.AuthorOrganization, c.CreatedAt)).ToList());
    }

    internal static async Task<Results<Created<CommentView>, NotFound, ValidationProblem>> AddCommentAsync(
        Guid id, CommentRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        var body = request.Body?.Trim() ?? "";
        var artifact = request.ArtifactType ?? "order";
        var errors = new Dictionary<string, string[]>();
        if (body.Length is 0 or > 4000)
        {
            errors["body"] = ["A comment has 1 to 4000 characters."];
        }

        if (!ArtifactTypes.Contains(artifact))
        {
            errors["artifactType"] = [$"Comments go on {string.Join(", ", ArtifactTypes)}."];
        }

        if (request.ParentId is { } parent && !await db.OrderComments.AnyAsync(c => c.Id == parent && c.OrderId == id, cancellationToken))
        {
            errors["parentId"] = ["The comment answered is not on this order."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        // Mentions count only for people of organizations taking part in the order.
        var named = MentionPattern().Matches(body).Select(m => m.Groups[1].Value).Distinct(StringComparer.OrdinalIgnoreCase).Take(20).ToList();
        var participants = new[] { order.InstitutionId, order.DesignerId, order.ManufacturerId, order.RegistrantId }.Where(o => o is not null).Select(o => o!.Value).ToList();
        var mentions = named.Count == 0 ? [] : await db.Users.AsNoTracking()
            .Where(u => named.Contains(u.UserName!) && participants.Contains(u.OrganizationId)).Select(u => u.UserName!).ToListAsync(cancellationToken);
        var comment = new OrderComment
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OrderId = id,
            ArtifactType = artifact,
            ArtifactId = request.ArtifactId,
            ParentId = request.ParentId,
            Body = body,
            Mentions = string.Join(' ', mentions),
            AuthorId = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!),
            AuthorName = user.Identity?.Name ?? "",
            AuthorOrganization = user.FindFirstValue(TrabeculaClaimTypes.OrganizationName) ?? "",
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.OrderComments.Add(comment);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataCreated) { TargetType = "comment", TargetId = comment.Id.ToString(), OrderId = id }, cancellationToken);
        return TypedResults.Created($"/api/orders/{id}/comments", new CommentView(comment.Id, comment.ArtifactType, comment.ArtifactId, comment.ParentId, comment.Body,
            mentions, comment.AuthorName, comment.AuthorOrganization, comment.CreatedAt));
    }

    internal static async Task<Results<Ok<List<ConfirmationView>>, NotFound>> ListConfirmationsAsync(Guid id, ClaimsPrincipal user, TrabeculaDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken) is null)
        {
            return TypedResults.NotFound();
        }

        var rows = await db.OrderConfirmations.AsNoTracking().Where(c => c.OrderId == id).OrderBy(c => c.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(c => new ConfirmationView(c.ArtifactType, c.ArtifactVersion, c.Statement, c.ActorName, c.ActorOrganization, c.CreatedAt)).ToList());
    }

    internal static async Task<Results<Created<ConfirmationView>, NotFound, ValidationProblem, ProblemHttpResult>> ConfirmAsync(
        Guid id, ConfirmationRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        if (order is null)
        {
            return TypedResults.NotFound();
        }

        if (request.ArtifactType != "requirements" || request.Version is not { } version
            || !await db.RequirementRevisions.AnyAsync(r => r.OrderId == id && r.Revision == version, cancellationToken))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["version"] = ["Name an artifact type (requirements) and a version that exists."] }, type: ProblemTypes.Validation);
        }

        var actor = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
        if (await db.OrderConfirmations.AnyAsync(c => c.OrderId == id && c.ArtifactType == request.ArtifactType && c.ArtifactVersion == version && c.ActorId == actor, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: "You already confirmed this version.");
        }

        var confirmation = new OrderConfirmation
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OrderId = id,
            ArtifactType = request.ArtifactType,
            ArtifactVersion = version,
            Statement = string.IsNullOrWhiteSpace(request.Statement) ? $"I confirm {request.ArtifactType} revision {version}." : request.Statement.Trim(),
            ActorId = actor,
            ActorName = user.Identity?.Name ?? "",
            ActorOrganization = user.FindFirstValue(TrabeculaClaimTypes.OrganizationName) ?? "",
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.OrderConfirmations.Add(confirmation);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.DataUpdated)
        {
            TargetType = "confirmation",
            TargetId = $"{order.Number}/{request.ArtifactType}/r{version}",
            OrderId = id,
        }, cancellationToken);
        return TypedResults.Created($"/api/orders/{id}/confirmations",
            new ConfirmationView(confirmation.ArtifactType, version, confirmation.Statement, confirmation.ActorName, confirmation.ActorOrganization, confirmation.CreatedAt));
    }

    [GeneratedRegex(@"(?<![\w@])@([A-Za-z0-9._-]{2,64})")]
    private static partial Regex MentionPattern();
}
