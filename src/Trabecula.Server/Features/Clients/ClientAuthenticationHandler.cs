using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Trabecula.Server.Data;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Clients;

/// <summary>Authenticates "Authorization: Bearer" requests of machine clients.</summary>
internal sealed class ClientAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ClientTokens tokens,
    TrabeculaDbContext db) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    public const string AuthenticationType = "Trabecula.Client";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var payload = tokens.Read(header["Bearer ".Length..].Trim());
        if (payload is null)
        {
            return AuthenticateResult.Fail("The access token is invalid or expired.");
        }

        var client = await db.MachineClients.AsNoTracking().Include(c => c.Organization).SingleOrDefaultAsync(c => c.Id == payload.Client, Context.RequestAborted);
        if (client is null || client.RevokedAt is not null || client.SecretVersion != payload.Version)
        {
            return AuthenticateResult.Fail("The client was revoked or its secret rotated.");
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, client.Id.ToString()),
            new(ClaimTypes.Name, client.ClientId),
            new(TrabeculaClaimTypes.ActorType, "client"),
            new(TrabeculaClaimTypes.ClientId, client.ClientId),
            new(TrabeculaClaimTypes.RealName, client.Name),
            new(TrabeculaClaimTypes.OrganizationId, client.OrganizationId.ToString()),
            new(TrabeculaClaimTypes.OrganizationName, client.Organization?.Name ?? ""),
        };
        claims.AddRange(payload.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => new Claim(TrabeculaClaimTypes.Scope, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, AuthenticationType, ClaimTypes.Name, ClaimTypes.Role));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"trabecula\"";
        return Task.CompletedTask;
    }
}
