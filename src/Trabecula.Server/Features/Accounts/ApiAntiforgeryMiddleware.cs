using Microsoft.AspNetCore.Antiforgery;
using Trabecula.Server.Infrastructure.Errors;

namespace Trabecula.Server.Features.Accounts;

/// <summary>Marks an API endpoint that needs no anti-forgery token (the JSON sign-in: there is no session to ride yet).</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class SkipApiAntiforgeryAttribute : Attribute;

/// <summary>
/// CSRF-01: a state-changing API call that rides the session cookie must carry the anti-forgery
/// token in the X-CSRF-TOKEN header (GET /api/auth/antiforgery hands it out). Bearer-token calls
/// (machine clients) are not exposed to CSRF and pass. Razor Pages forms are checked by the
/// framework's own anti-forgery middleware.
/// </summary>
internal sealed class ApiAntiforgeryMiddleware(RequestDelegate next, IAntiforgery antiforgery)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (RequestPaths.IsApi(context)
            && !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method))
            && context.User.Identity is { IsAuthenticated: true, AuthenticationType: SessionIdentity.AuthenticationType }
            && context.GetEndpoint()?.Metadata.GetMetadata<SkipApiAntiforgeryAttribute>() is null)
        {
            await antiforgery.ValidateRequestAsync(context);
        }

        await next(context);
    }
}

/// <summary>The authentication type of identities that come from the session cookie.</summary>
internal static class SessionIdentity
{
    public const string AuthenticationType = "Trabecula.Session";
}
