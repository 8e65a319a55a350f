using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Accounts;

/// <summary>
/// Authorization policy names. The fallback policy (every endpoint without its own) is
/// <see cref="Active"/>: a verified, fully set-up account. <see cref="SignedIn"/> is for the
/// few places a pending account or one still owing setup may go: its status, password, MFA.
/// </summary>
public static class Policies
{
    public const string Active = "Active";
    public const string SignedIn = "SignedIn";
    public const string PlatformAdmin = "PlatformAdmin";
    public const string SecurityAdmin = "SecurityAdmin";
    public const string Auditor = "Auditor";
    public const string OrganizationAdmin = "OrganizationAdmin";

    /// <summary>A machine client (R-AUTH-5), never a person.</summary>
    public const string Client = "Client";

    /// <summary>An active person, or a machine client holding the imaging.upload scope (a hospital's PACS gateway).</summary>
    public const string ImagingUpload = "ImagingUpload";
}

/// <summary>Met by an active person, or by a machine client holding <see cref="Scope"/>.</summary>
public sealed class PersonOrClientScopeRequirement(string scope) : AuthorizationHandler<PersonOrClientScopeRequirement>, IAuthorizationRequirement
{
    public string Scope { get; } = scope;

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PersonOrClientScopeRequirement requirement)
    {
        var user = context.User;
        var person = user.FindFirstValue(TrabeculaClaimTypes.ActorType) == "user"
            && user.FindFirstValue(TrabeculaClaimTypes.AccountStatus) == nameof(AccountStatus.Active)
            && !user.HasClaim(c => c.Type == TrabeculaClaimTypes.SetupRequired);
        var client = user.FindFirstValue(TrabeculaClaimTypes.ActorType) == "client" && user.HasClaim(TrabeculaClaimTypes.Scope, requirement.Scope);
        if (user.Identity?.IsAuthenticated == true && (person || client))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Met by a person whose real name is verified (Active) and who owes no setup. Machine clients
/// never meet it: they reach only endpoints that name the <see cref="Policies.Client"/> policy.
/// </summary>
public sealed class ActiveAccountRequirement : AuthorizationHandler<ActiveAccountRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ActiveAccountRequirement requirement)
    {
        var user = context.User;
        var isActiveUser = user.FindFirstValue(TrabeculaClaimTypes.ActorType) == "user"
            && user.FindFirstValue(TrabeculaClaimTypes.AccountStatus) == nameof(AccountStatus.Active)
            && !user.HasClaim(c => c.Type == TrabeculaClaimTypes.SetupRequired);
        if (user.Identity?.IsAuthenticated == true && isActiveUser)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
