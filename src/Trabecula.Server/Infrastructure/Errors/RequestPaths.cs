using Microsoft.Net.Http.Headers;

namespace Trabecula.Server.Infrastructure.Errors;

/// <summary>Tells API requests (answered with problem details) from page requests (answered with HTML).</summary>
internal static class RequestPaths
{
    public static bool IsApi(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
        || context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase)
        || context.Request.Path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase);

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
