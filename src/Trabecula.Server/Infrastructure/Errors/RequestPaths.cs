using Microsoft.Net.Http.Headers;

namespace Trabecula.Server.Infrastructure.Errors;

/// <summary>Tells API requests (answered with problem details) from page requests (answered with HTML).</summary>
internal static class RequestPaths
{
    public static bool IsApi(HttpContext context)
    {
        // While an exception is handled the request path is already the error page's; the
        // original path is on the exception handler feature.
        var path = context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerPathFeature>()?.Path is { Length: > 0 } original
            ? new PathString(original)
            : context.Request.Path;
        return path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase);
    }

    public static bool WantsProblemJson(HttpContext context)
    {
        if (IsApi(context))
        {
            return true;
        }

        var accept = context.Request.Headers[HeaderNames.Accept].ToString();
        return accept.Contains("application/json", StringComparison.OrdinalIgnoreCase)
            || accept.Contains("application/problem+json", StringComparison.OrdinalIgnoreCase);
    }
}
