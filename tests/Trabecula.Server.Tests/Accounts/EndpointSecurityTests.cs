using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Accounts;

/// <summary>
/// Bitwarden-style enumeration: these tests walk every endpoint the application maps, so a new
/// endpoint that forgets authorization or CSRF protection fails the build's tests.
/// </summary>
public sealed class EndpointSecurityTests : IAsyncLifetime
{
    /// <summary>The only endpoints anyone may call without signing in, and why.</summary>
    private static readonly HashSet<string> AnonymousAllowList = new(StringComparer.Ordinal)
    {
        "/health/live",           // supervisor liveness
        "/health/ready",          // load balancer readiness
        "/openapi/{documentName}.json", // the API description (no data)
        "/culture",               // language switch
        "/api/auth/login",        // sign-in
        "/api/auth/token",        // machine clients trade their secret for a token (R-AUTH-5)
        "/api/auth/passkey/options", // WebAuthn challenge for a passkey sign-in
        "/api/auth/passkey/login",   // passkey sign-in
        "/",                      // public landing page
        "/error",                 // error page
        "/account/login",         // sign-in page
    };

    private TrabeculaFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        _ = _factory.Server;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    [Trait("Requirement", "R-ORG-2")]
    [Trait("TestPlan", "AZ-01")]
    public void EveryEndpoint_HasAnExplicitPolicyOrIsOnTheAnonymousAllowList()
    {
        var offenders = new List<string>();
        foreach (var endpoint in Endpoints())
        {
            var pattern = endpoint.RoutePattern.RawText ?? "";
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var authorized = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0;
            if (anonymous && !AnonymousAllowList.Contains(Normalize(pattern)))
            {
                offenders.Add($"{pattern}: anonymous but not on the allow-list");
            }
            else if (!anonymous && !authorized)
            {
                offenders.Add($"{pattern}: no authorization policy of its own (it would rely on the fallback)");
            }
        }

        Assert.Empty(offenders);
    }

    [Fact]
    [Trait("TestPlan", "CSRF-01")]
    public async Task EveryStateChangingApiEndpoint_RefusesACookieCallWithoutAntiforgeryToken()
    {
        using var client = await MfaHelper.NewUserSignedInAsync(_factory, "platform.admin", Roles.PlatformAdmin);
        client.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
        client.DefaultRequestHeaders.Add("Origin", "https://evil.example");

        var checkedCount = 0;
        foreach (var endpoint in Endpoints().Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true))
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            foreach (var method in methods.Where(m => m is "POST" or "PUT" or "DELETE" or "PATCH"))
            {
                if (endpoint.Metadata.GetMetadata<SkipApiAntiforgeryAttribute>() is not null)
                {
                    continue;
                }

                var path = Concrete(endpoint.RoutePattern.RawText!);
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
                using var response = await client.SendAsync(request);
                Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden,
                    $"{method} {path} answered {(int)response.StatusCode} without an anti-forgery token");
                checkedCount++;
            }
        }

        Assert.True(checkedCount >= 10, $"only {checkedCount} state-changing endpoints were found");
    }

    private IEnumerable<RouteEndpoint> Endpoints() =>
        _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();

    private static string Normalize(string pattern) => "/" + pattern.TrimStart('/').TrimEnd('/');

    private static string Concrete(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(pattern, "\\{[^}]+\\}", Guid.NewGuid().ToString());
}
