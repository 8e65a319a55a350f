using Microsoft.Net.Http.Headers;

namespace Trabecula.Server.Infrastructure.Hosting;

/// <summary>
/// Security headers on every response (SES-05). The CSP allows scripts and styles only from
/// this origin: no inline script (but the one import map, by its hash: <see cref="ImportMap"/>), no CDN. Anything not a static asset is marked no-store so
/// that no page or API answer holding patient data stays in a browser or proxy cache.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    internal static readonly string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self' " + ImportMap.CspSource + "; style-src 'self'; img-src 'self' data: blob:; " +
        "font-src 'self'; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var response = ((HttpContext)state).Response;
            var headers = response.Headers;
            headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
            headers[HeaderNames.XContentTypeOptions] = "nosniff";
            headers[HeaderNames.XFrameOptions] = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
            headers.Remove(HeaderNames.Server);
            if (!headers.ContainsKey(HeaderNames.CacheControl))
            {
                headers[HeaderNames.CacheControl] = "no-store";
                headers[HeaderNames.Pragma] = "no-cache";
            }

            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
