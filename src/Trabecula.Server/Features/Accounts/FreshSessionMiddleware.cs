using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Trabecula.Server.Features.Accounts;

/// <summary>
/// SES-01 (session fixation): a sign-in always gets a new session key. The cookie handler reuses
/// the key of a session the request already carries (it renews that row with the new ticket), so
/// a planted session cookie would end up holding the victim's sign-in. Sign-in requests are
/// therefore stripped of the session cookie before authentication runs.
/// </summary>
internal sealed class FreshSessionMiddleware(RequestDelegate next, IOptionsMonitor<CookieAuthenticationOptions> cookies)
{
    private static readonly PathString[] SignInPaths = ["/api/auth/login", "/api/auth/passkey/login", "/account/login"];

    public Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsPost(context.Request.Method) && SignInPaths.Any(p => context.Request.Path.Equals(p, StringComparison.OrdinalIgnoreCase)))
        {
            var name = cookies.Get(CookieSchemes.Session).Cookie.Name!;
            context.Features.Set<IRequestCookiesFeature>(new RequestCookiesFeature(new WithoutCookie(context.Request.Cookies, name)));
        }

        return next(context);
    }

    /// <summary>The request's cookies minus the session cookie (and its chunks).</summary>
    private sealed class WithoutCookie(IRequestCookieCollection inner, string prefix) : IRequestCookieCollection
    {
        private readonly Dictionary<string, string> _kept = inner.Where(c => !c.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);

        public string? this[string key] => _kept.GetValueOrDefault(key);

        public int Count => _kept.Count;

        public ICollection<string> Keys => _kept.Keys;

        public bool ContainsKey(string key) => _kept.ContainsKey(key);

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _kept.GetEnumerator();

        public bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => _kept.TryGetValue(key, out value);

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
