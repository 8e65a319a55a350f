using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Downloads;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Transfer;

public sealed record ShareRequest(
    [property: MaxLength(40)] string? ArtifactKind, Guid ArtifactId, [property: MaxLength(256)] string? Recipient, int? Hours);

/// <summary>Shares (R-XFER-2): create and list on an order, the recipient's list and download, revocation by the sharer.</summary>
internal static class SharesApi
{
    public static RouteGroupBuilder MapSharesApi(this IEndpointRouteBuilder endpoints)
    {
        var order = endpoints.MapGroup("/api/orders/{id:guid}/shares").WithTags("Shares").RequireAuthorization(Policies.Active);
        order.MapPost("/", CreateAsync).WithName("CreateShare")
            .WithSummary("Share one artifact of the order with one named user of another participating organization for a limited time (Shares:MaxHours).");
        order.MapGet("/", ListAsync).WithName("ListOrderShares").WithSummary("The shares your organization made on the order, valid or not.");

        var group = endpoints.MapGroup("/api/shares").WithTags("Shares").RequireAuthorization(Policies.Active);
        group.MapGet("/incoming", IncomingAsync).WithName("ListSharesWithMe").WithSummary("Shares naming you that are valid now.");
        group.MapGet("/{shareId:guid}/content", ContentAsync).WithName("DownloadSharedArtifact")
            .WithSummary("The shared artifact, for its recipient only, while the share is neither expired nor revoked; streamed with range requests and ETag like a download link (a production package is sent whole).");
        group.MapPost("/{shareId:guid}/revoke", RevokeAsync).WithName("RevokeShare").WithSummary("The sharer ends the share at once.");
        return group;
    }

    internal static async Task<Results<Created<ShareView>, NotFound, ValidationProblem, ProblemHttpResult>> CreateAsync(
        Guid id, ShareRequest request, ClaimsPrincipal user, ShareService shares, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!Enum.TryParse<ArtifactKind>(request.ArtifactKind, ignoreCase: false, out var kind) || !Enum.IsDefined(kind))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["artifactKind"] = [$"One of {string.Join(", ", Enum.GetNames<ArtifactKind>())}."] }, type: ProblemTypes.Validation);
        }

        var outcome = await shares.CreateAsync(user, id, kind, request.ArtifactId, request.Recipient, request.Hours, cancellationToken);
        return outcome.Status switch
        {
            ShareStatus.Ok => TypedResults.Created($"/api/shares/{outcome.Share!.Id}", ShareView.From(outcome.Share, time.GetUtcNow().UtcDateTime)),
            ShareStatus.Invalid => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [outcome.Field ?? "request"] = [outcome.Detail] }, type: ProblemTypes.Validation),
            ShareStatus.Forbidden => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden, detail: outcome.Detail),
            _ => TypedResults.NotFound(),
        };
    }

    internal static async Task<Results<Ok<List<ShareView>>, NotFound>> ListAsync(Guid id, ClaimsPrincipal user, ShareService shares, TimeProvider time, CancellationToken cancellationToken)
    {
        var list = await shares.ListForOrderAsync(user, id, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        return list is null ? TypedResults.NotFound() : TypedResults.Ok(list.Select(s => ShareView.From(s, now)).ToList());
    }

    internal static async Task<Ok<List<ShareView>>> IncomingAsync(ClaimsPrincipal user, ShareService shares, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return TypedResults.Ok((await shares.IncomingAsync(user, cancellationToken)).Select(s => ShareView.From(s, now)).ToList());
    }

    internal static async Task<Results<BlobDownloadResult, FileContentHttpResult, NotFound, ProblemHttpResult>> ContentAsync(
        Guid shareId, ClaimsPrincipal user, ShareService shares, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var outcome = await shares.ContentAsync(user, shareId, cancellationToken);
        return outcome.Status switch
        {
            ShareStatus.Ok when outcome.Blob is { } blob => new BlobDownloadResult(blobs, blob.Key, blob.Sha256, blob.Length, outcome.Artifact!.ContentType, outcome.Artifact.FileName),
            ShareStatus.Ok => TypedResults.File(outcome.Content!, outcome.Artifact!.ContentType, outcome.Artifact.FileName),
            ShareStatus.Forbidden => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden, detail: outcome.Detail),
            ShareStatus.IntegrityFailure => TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError, type: ProblemTypes.Internal, detail: outcome.Detail),
            ShareStatus.NotValidNow => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.PreconditionUnmet, detail: outcome.Detail),
            _ => TypedResults.NotFound(),
        };
    }

    internal static async Task<Results<Ok<ShareView>, NotFound>> RevokeAsync(Guid shareId, ClaimsPrincipal user, ShareService shares, TimeProvider time, CancellationToken cancellationToken)
    {
        var outcome = await shares.RevokeAsync(user, shareId, cancellationToken);
        return outcome.Status == ShareStatus.Ok ? TypedResults.Ok(ShareView.From(outcome.Share!, time.GetUtcNow().UtcDateTime)) : TypedResults.NotFound();
    }
}
