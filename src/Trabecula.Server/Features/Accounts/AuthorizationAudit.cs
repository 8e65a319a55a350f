using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Trabecula.Server.Features.Audit;

namespace Trabecula.Server.Features.Accounts;

/// <summary>Every authorization denial of a signed-in caller is audited (R-XFER-2, AZ-06) before the usual 403.</summary>
internal sealed class AuthorizationAudit : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden && context.User.Identity?.IsAuthenticated == true)
        {
            var endpoint = context.GetEndpoint();
            await context.RequestServices.GetRequiredService<IAuditLog>().RecordAsync(new AuditEvent(AuditAction.PermissionDenied, AuditOutcome.Denied)
            {
                TargetType = "endpoint",
                TargetId = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? endpoint?.DisplayName ?? context.Request.Path.Value,
                Details = new Dictionary<string, object?> { ["method"] = context.Request.Method },
            });
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
