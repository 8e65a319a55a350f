using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Clients;

public sealed record RegisterClientRequest([property: Required, MaxLength(100)] string? Name, IReadOnlyList<string>? Scopes);

public sealed record ClientResponse(Guid Id, string ClientId, string Name, Guid OrganizationId, IReadOnlyList<string> Scopes, DateTime CreatedAt, DateTime? RotatedAt, DateTime? RevokedAt, DateTime? LastTokenAt)
{
    public static ClientResponse From(MachineClient c) => new(c.Id, c.ClientId, c.Name, c.OrganizationId, c.ScopeList, c.CreatedAt, c.RotatedAt, c.RevokedAt, c.LastTokenAt);
}

public sealed record ClientCredentials(ClientResponse Client, string ClientSecret);

/// <summary>RFC 6749 section 5.1 token response.</summary>
public sealed record TokenResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("access_token")] string AccessToken,
    [property: System.Text.Json.Serialization.JsonPropertyName("token_type")] string TokenType,
    [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int ExpiresIn,
    [property: System.Text.Json.Serialization.JsonPropertyName("scope")] string Scope);

/// <summary>RFC 6749 section 5.2 error response.</summary>
public sealed record TokenError(
    [property: System.Text.Json.Serialization.JsonPropertyName("error")] string Error,
    [property: System.Text.Json.Serialization.JsonPropertyName("error_description")] string Description);

/// <summary>Machine clients (R-AUTH-5): registration, rotation and revocation by org admins; the client-credentials token endpoint.</summary>
internal static class ClientsApi
{
    public static void MapClientsApi(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/api").WithTags("Machine clients").RequireAuthorization(Policies.OrganizationAdmin);
        admin.MapGet("/organizations/{organizationId:guid}/clients", ListAsync).WithName("ListClients").WithSummary("The organization's machine clients (never their secrets).");
        admin.MapPost("/organizations/{organizationId:guid}/clients", RegisterAsync).WithName("RegisterClient").WithSummary("Register a machine client; its secret is shown once.");
        admin.MapPost("/clients/{id:guid}/rotate", RotateAsync).WithName("RotateClientSecret").WithSummary("A new secret; the old one and every token issued with it stop working at once.");
        admin.MapPost("/clients/{id:guid}/revoke", RevokeAsync).WithName("RevokeClient").WithSummary("Revoke the client; its tokens stop working at once.");

        endpoints.MapPost("/api/auth/token", TokenAsync)
            .WithTags("Authentication")
            .WithName("IssueClientToken")
            .WithSummary("OAuth 2.0 client credentials (RFC 6749 4.4): form fields grant_type=client_credentials, client_id, client_secret, optional scope; or HTTP Basic.")
            .AllowAnonymous()
            .DisableAntiforgery()
            .RequireRateLimiting(AccountsExtensions.SignInRateLimit)
            .WithMetadata(new SkipApiAntiforgeryAttribute());

        endpoints.MapGet("/api/clients/self", Self)
            .WithTags("Machine clients")
            .WithName("GetClientSelf")
            .WithSummary("For a machine client: who it is, for which organization, with which scopes.")
            .RequireAuthorization(Policies.Client);
    }

    private static async Task<Results<Ok<List<ClientResponse>>, NotFound>> ListAsync(Guid organizationId, ClaimsPrincipal user, TrabeculaDbContext db, CancellationToken cancellationToken)
    {
        if (!UsersApi.AdminContext.MayAdminister(user, organizationId))
        {
            return TypedResults.NotFound();
        }

        var clients = await db.MachineClients.AsNoTracking().Where(c => c.OrganizationId == organizationId).OrderBy(c => c.Name).ToListAsync(cancellationToken);
        return TypedResults.Ok(clients.Select(ClientResponse.From).ToList());
    }

    private static async Task<Results<Created<ClientCredentials>, ValidationProblem, NotFound>> RegisterAsync(
        Guid organizationId, RegisterClientRequest request, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var organization = await db.Organizations.SingleOrDefaultAsync(o => o.Id == organizationId, cancellationToken);
        if (organization is null || !UsersApi.AdminContext.MayAdminister(user, organizationId))
        {
            return TypedResults.NotFound();
        }

        var scopes = (request.Scopes ?? []).Distinct(StringComparer.Ordinal).ToList();
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors["name"] = ["A name is required (e.g. \"PACS gateway\")."];
        }

        foreach (var scope in scopes)
        {
            if (!ClientScopes.RequiredParty.TryGetValue(scope, out var party))
            {
                errors["scopes"] = [$"Unknown scope '{scope}' ({string.Join(", ", ClientScopes.RequiredParty.Keys)})."];
            }
            else if (party != Organizations.PartyTypes.None && !organization.Has(party))
            {
                errors["scopes"] = [$"Scope '{scope}' is for a {party}."];
            }
        }

        if (scopes.Count == 0)
        {
            errors["scopes"] = ["At least one scope is required."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var secret = ClientTokens.NewSecret();
        var client = new MachineClient
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            OrganizationId = organizationId,
            Name = request.Name!.Trim(),
            ClientId = ClientTokens.NewClientId(),
            SecretHash = ClientTokens.HashSecret(secret),
            SecretVersion = 1,
            Scopes = string.Join(' ', scopes),
            CreatedAt = time.GetUtcNow().UtcDateTime,
            CreatedBy = Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!),
        };
        db.MachineClients.Add(client);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.ClientRegistered)
        {
            TargetType = "client",
            TargetId = client.ClientId,
            Details = new Dictionary<string, object?> { ["scopes"] = client.Scopes, ["organizationId"] = organizationId },
        }, cancellationToken);
        return TypedResults.Created($"/api/clients/{client.Id}", new ClientCredentials(ClientResponse.From(client), secret));
    }

    private static async Task<Results<Ok<ClientCredentials>, NotFound, ProblemHttpResult>> RotateAsync(
        Guid id, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var client = await db.MachineClients.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (client is null || !UsersApi.AdminContext.MayAdminister(user, client.OrganizationId))
        {
            return TypedResults.NotFound();
        }

        if (client.RevokedAt is not null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: "A revoked client stays revoked; register a new one.");
        }

        var secret = ClientTokens.NewSecret();
        client.SecretHash = ClientTokens.HashSecret(secret);
        client.SecretVersion++;
        client.RotatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.ClientSecretRotated) { TargetType = "client", TargetId = client.ClientId }, cancellationToken);
        return TypedResults.Ok(new ClientCredentials(ClientResponse.From(client), secret));
    }

    private static async Task<Results<Ok<ClientResponse>, NotFound>> RevokeAsync(
        Guid id, ClaimsPrincipal user, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var client = await db.MachineClients.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (client is null || !UsersApi.AdminContext.MayAdminister(user, client.OrganizationId))
        {
            return TypedResults.NotFound();
        }

        client.RevokedAt ??= time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.ClientRevoked) { TargetType = "client", TargetId = client.ClientId }, cancellationToken);
        return TypedResults.Ok(ClientResponse.From(client));
    }

    private static async Task<IResult> TokenAsync(HttpContext context, TrabeculaDbContext db, ClientTokens tokens, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!context.Request.HasFormContentType)
        {
            return TypedResults.Json(new TokenError("invalid_request", "Send application/x-www-form-urlencoded."), statusCode: StatusCodes.Status400BadRequest);
        }

        var form = await context.Request.ReadFormAsync(cancellationToken);
        var (clientId, secret) = Credentials(context, form);
        if (form["grant_type"] != "client_credentials")
        {
            return TypedResults.Json(new TokenError("unsupported_grant_type", "Only client_credentials is supported."), statusCode: StatusCodes.Status400BadRequest);
        }

        var client = clientId is { Length: > 0 and <= 40 }
            ? await db.MachineClients.SingleOrDefaultAsync(c => c.ClientId == clientId, cancellationToken)
            : null;
        if (client is null || client.RevokedAt is not null || !ClientTokens.SecretMatches(client, secret))
        {
            await audit.RecordAsync(new AuditEvent(AuditAction.ClientTokenRefused, AuditOutcome.Failed)
            {
                Actor = new AuditActor(AuditActorType.Client, client?.Id.ToString(), clientId is { Length: <= 40 } ? clientId : null, client?.Name, client?.OrganizationId),
                TargetType = "client",
                TargetId = clientId is { Length: <= 40 } ? clientId : null,
                Details = new Dictionary<string, object?> { ["reason"] = client is null ? "unknown" : client.RevokedAt is not null ? "revoked" : "secret" },
            }, cancellationToken);
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"trabecula\"";
            return TypedResults.Json(new TokenError("invalid_client", "Client authentication failed."), statusCode: StatusCodes.Status401Unauthorized);
        }

        var requested = ((string?)form["scope"] ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var granted = requested.Length == 0 ? client.ScopeList : requested;
        if (granted.Except(client.ScopeList, StringComparer.Ordinal).Any())
        {
            return TypedResults.Json(new TokenError("invalid_scope", "The client does not hold every requested scope."), statusCode: StatusCodes.Status400BadRequest);
        }

        var scope = string.Join(' ', granted);
        client.LastTokenAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.ClientTokenIssued)
        {
            Actor = new AuditActor(AuditActorType.Client, client.Id.ToString(), client.ClientId, client.Name, client.OrganizationId),
            TargetType = "client",
            TargetId = client.ClientId,
            Details = new Dictionary<string, object?> { ["scope"] = scope },
        }, cancellationToken);
        return TypedResults.Ok(new TokenResponse(tokens.Issue(client, scope), "Bearer", (int)ClientTokens.Lifetime.TotalSeconds, scope));
    }

    private static Ok<ClientSelf> Self(ClaimsPrincipal principal) => TypedResults.Ok(new ClientSelf(
        principal.FindFirstValue(TrabeculaClaimTypes.ClientId)!,
        principal.FindFirstValue(TrabeculaClaimTypes.RealName)!,
        Guid.Parse(principal.FindFirstValue(TrabeculaClaimTypes.OrganizationId)!),
        [.. principal.FindAll(TrabeculaClaimTypes.Scope).Select(c => c.Value)]));

    private static (string? ClientId, string? Secret) Credentials(HttpContext context, IFormCollection form)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    return (Uri.UnescapeDataString(decoded[..colon]), Uri.UnescapeDataString(decoded[(colon + 1)..]));
                }
            }
            catch (FormatException)
            {
                return (null, null);
            }
        }

        return (form["client_id"], form["client_secret"]);
    }
}

public sealed record ClientSelf(string ClientId, string Name, Guid OrganizationId, IReadOnlyList<string> Scopes);
