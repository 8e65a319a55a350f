using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Permissions;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Hosting;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Downloads;

public sealed record DownloadLinkRequest([property: MaxLength(64)] string? Kind, Guid? FileId);

public sealed record DownloadLinkView(string Url, DateTimeOffset ExpiresAt);

/// <summary>
/// Download links (issue 6, STYLE.md's bitwarden pattern): an authorized call asks for a link to
/// one file; the link carries a short-lived Data Protection token bound to the file's blob, the
/// order and the person, never a storage path. Fetching it asks the permission matrix again (the
/// stage may have moved on), audits the download and streams the file decrypted on the fly with
/// ranges. A link is the asker's alone: anyone else, and any expired or altered link, gets 404.
/// </summary>
internal static class DownloadsApi
{
    public static RouteGroupBuilder MapDownloadsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/orders/{id:guid}/downloads", IssueAsync).WithTags("Downloads").RequireAuthorization(Policies.Active).WithName("IssueDownloadLink")
            .WithSummary("A download link for one file of the order ({kind, fileId}; kinds: dicom-instance, dicom-instance-deidentified, scan-file, scan-file-deidentified, design-file), valid for Downloads:LinkLifetimeSeconds, for the caller only.");
        var group = endpoints.MapGroup("/api/downloads").WithTags("Downloads").RequireAuthorization(Policies.Active);
        group.MapGet("/{kind}/{token}", DownloadAsync).WithName("DownloadByLink")
            .WithSummary("The file of a download link: permission re-checked, audited, streamed with range requests, ETag, Content-Disposition attachment.");
        return group;
    }

    internal static async Task<Results<Ok<DownloadLinkView>, NotFound, ValidationProblem, ProblemHttpResult>> IssueAsync(
        Guid id, DownloadLinkRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IEnumerable<IDownloadSource> sources, AccessPolicy policy, DownloadLinks links,
        IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var source = sources.FirstOrDefault(s => string.Equals(s.Kind, request.Kind, StringComparison.Ordinal));
        if (source is null || request.FileId is not { } fileId)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["kind"] = [$"One of {string.Join(", ", sources.Select(s => s.Kind))}, with a fileId."],
            }, type: ProblemTypes.Validation);
        }

        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        var file = order is null ? null : await source.FindAsync(order, fileId, cancellationToken);
        if (order is null || file is null)
        {
            return TypedResults.NotFound();
        }

        if (!await policy.AuthorizeAsync(user, order, file.DataClass, DataAction.Download, cancellationToken))
        {
            return Forbidden();
        }

        var grant = links.Grant(source.Kind, order.Id, fileId, file.BlobKey, UserId(user));
        var token = links.Protect(grant);
        await audit.RecordAsync(new AuditEvent(AuditAction.DownloadLinkIssued)
        {
            TargetType = source.Kind,
            TargetId = fileId.ToString(),
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["expiresAt"] = grant.ExpiresAt.UtcDateTime },
        }, cancellationToken);
        return TypedResults.Ok(new DownloadLinkView($"/api/downloads/{source.Kind}/{token}", grant.ExpiresAt));
    }

    internal static async Task<Results<BlobDownloadResult, ProblemHttpResult>> DownloadAsync(
        string kind, string token, ClaimsPrincipal user, TrabeculaDbContext db, IEnumerable<IDownloadSource> sources, AccessPolicy policy, DownloadLinks links,
        IBlobStore blobs, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var source = sources.FirstOrDefault(s => string.Equals(s.Kind, kind, StringComparison.Ordinal));
        var grant = source is null ? null : links.Unprotect(source.Kind, token);
        if (grant is null || grant.UserId != UserId(user))
        {
            if (grant is not null)
            {
                await audit.RecordAsync(new AuditEvent(AuditAction.DataDownloaded, AuditOutcome.Denied)
                {
                    TargetType = grant.Kind,
                    TargetId = grant.FileId.ToString(),
                    OrderId = grant.OrderId,
                    Details = new Dictionary<string, object?> { ["reason"] = "another person's download link" },
                }, cancellationToken);
            }

            return Gone();
        }

        var order = await OrdersApi.FindForCallerAsync(db, grant.OrderId, user, time, cancellationToken);
        var file = order is null ? null : await source!.FindAsync(order, grant.FileId, cancellationToken);
        if (order is null || file is null || !string.Equals(file.BlobKey, grant.BlobKey, StringComparison.Ordinal))
        {
            return Gone();
        }

        // The link was issued under the matrix as it was; the stage may have moved on since.
        if (!await policy.AuthorizeAsync(user, order, file.DataClass, DataAction.Download, cancellationToken))
        {
            return Forbidden();
        }

        await audit.RecordAsync(new AuditEvent(AuditAction.DataDownloaded)
        {
            TargetType = grant.Kind,
            TargetId = grant.FileId.ToString(),
            OrderId = order.Id,
            Details = new Dictionary<string, object?> { ["via"] = "link" },
        }, cancellationToken);
        return new BlobDownloadResult(blobs, file.BlobKey, file.Sha256, file.Length, file.ContentType, file.FileName);
    }

    private static ProblemHttpResult Gone() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, type: ProblemTypes.ForStatus(StatusCodes.Status404NotFound),
            detail: "The download link is not valid: it has expired, was altered, or is someone else's. Ask for a new one.");

    private static ProblemHttpResult Forbidden() =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden, detail: "The stage permission matrix does not allow you this download now.");

    private static Guid UserId(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!);
}

internal static class DownloadsExtensions
{
    public static IHostApplicationBuilder AddDownloads(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<DownloadOptions, DownloadOptionsValidator>(DownloadOptions.SectionName);
        builder.Services.AddSingleton<DownloadLinks>();
        return builder;
    }

    /// <summary>Lets <typeparamref name="T"/>'s kind of file be fetched through download links.</summary>
    public static IServiceCollection AddDownloadSource<T>(this IServiceCollection services)
        where T : class, IDownloadSource => services.AddScoped<IDownloadSource, T>();

    public static WebApplication MapDownloads(this WebApplication app)
    {
        app.MapDownloadsApi();
        return app;
    }
}
