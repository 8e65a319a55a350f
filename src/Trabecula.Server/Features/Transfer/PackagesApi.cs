using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Infrastructure.Errors;

namespace Trabecula.Server.Features.Transfer;

public sealed record TransferKeyRequest([property: MaxLength(4096)] string? PublicKeyPem);

public sealed record TransferKeyView(Guid ClientId, string KeyId, string Algorithm, DateTime CreatedAt);

public sealed record ExportRequest([property: MaxLength(40)] string? ArtifactKind, Guid ArtifactId, Guid ClientId);

/// <summary>Encrypted export packages (R-XFER-2 encrypt): a client's transfer key, the order's possible recipients, the export itself.</summary>
internal static class PackagesApi
{
    public const string PackageMediaType = "application/vnd.trabecula.transfer-package";

    public static RouteGroupBuilder MapPackagesApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPut("/api/clients/{id:guid}/transfer-key", RegisterKeyAsync).WithTags("Machine clients").WithName("RegisterClientTransferKey")
            .WithSummary("The organization administrator registers the workstation's ECDH P-256 public key (PEM, from 'trabecula package keygen'); replaces the previous one.")
            .RequireAuthorization(Policies.OrganizationAdmin);

        var group = endpoints.MapGroup("/api/orders/{id:guid}/exports").WithTags("Transfer").RequireAuthorization(Policies.Active);
        group.MapGet("/recipients", RecipientsAsync).WithName("ListExportRecipients")
            .WithSummary("The order's manufacturer's machine clients that can receive an encrypted package.");
        group.MapPost("/", ExportAsync).WithName("ExportEncryptedPackage")
            .WithSummary("An artifact sealed for one machine client (AES-256-GCM, key wrapped by ECDH P-256) with the manifest, signed by the platform.");
        return group;
    }

    internal static async Task<Results<Ok<TransferKeyView>, NotFound, ValidationProblem>> RegisterKeyAsync(
        Guid id, TransferKeyRequest request, ClaimsPrincipal user, TrabeculaDbContext db, PackageExports exports, CancellationToken cancellationToken)
    {
        var client = await db.MachineClients.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (client is null || !UsersApi.AdminContext.MayAdminister(user, client.OrganizationId))
        {
            return TypedResults.NotFound();
        }

        var spki = TransferPackage.ParseRecipientKey(request.PublicKeyPem);
        if (spki is null || client.RevokedAt is not null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["publicKeyPem"] = [client.RevokedAt is not null ? "The client is revoked." : "An ECDH P-256 public key in PEM (SubjectPublicKeyInfo), as 'trabecula package keygen' writes it."],
            }, type: ProblemTypes.Validation);
        }

        var key = await exports.RegisterKeyAsync(user, client, spki, cancellationToken);
        return TypedResults.Ok(new TransferKeyView(client.Id, key!.KeyId, key.Algorithm, key.CreatedAt));
    }

    internal static async Task<Results<Ok<List<ExportRecipient>>, NotFound>> RecipientsAsync(
        Guid id, ClaimsPrincipal user, TrabeculaDbContext db, PackageExports exports, TimeProvider time, CancellationToken cancellationToken)
    {
        var order = await OrdersApi.FindForCallerAsync(db, id, user, time, cancellationToken);
        return order is null ? TypedResults.NotFound() : TypedResults.Ok(await exports.RecipientsAsync(order, cancellationToken));
    }

    internal static async Task<Results<FileContentHttpResult, NotFound, ValidationProblem, ProblemHttpResult>> ExportAsync(
        Guid id, ExportRequest request, ClaimsPrincipal user, PackageExports exports, CancellationToken cancellationToken)
    {
        if (!Enum.TryParse<ArtifactKind>(request.ArtifactKind, ignoreCase: false, out var kind) || !Enum.IsDefined(kind))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["artifactKind"] = [$"One of {string.Join(", ", Enum.GetNames<ArtifactKind>())}."] }, type: ProblemTypes.Validation);
        }

        var outcome = await exports.ExportAsync(user, id, kind, request.ArtifactId, request.ClientId, cancellationToken);
        return ToResult(outcome);
    }

    internal static Results<FileContentHttpResult, NotFound, ValidationProblem, ProblemHttpResult> ToResult(ExportOutcome outcome) => outcome.Status switch
    {
        ShareStatus.Ok => TypedResults.File(outcome.Package!, PackageMediaType, outcome.FileName),
        ShareStatus.Invalid => TypedResults.ValidationProblem(new Dictionary<string, string[]> { [outcome.Field ?? "request"] = [outcome.Detail] }, type: ProblemTypes.Validation),
        ShareStatus.Forbidden => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, type: ProblemTypes.Forbidden, detail: outcome.Detail),
        ShareStatus.IntegrityFailure => TypedResults.Problem(statusCode: StatusCodes.Status500InternalServerError, type: ProblemTypes.Internal, detail: outcome.Detail),
        ShareStatus.NotValidNow => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.PreconditionUnmet, detail: outcome.Detail),
        _ => TypedResults.NotFound(),
    };
}
