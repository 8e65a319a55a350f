using System.Net;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Hosting;

public sealed class SecurityHeadersTests : IAsyncLifetime
{
    private TrabeculaFactory _factory = null!;

    public async Task InitializeAsync() => _factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Theory]
    [Trait("TestPlan", "SES-05")]
    [InlineData("/")]
    [InlineData("/health/ready")]
    [InlineData("/api/missing")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/css/site.css")]
    [InlineData("/lib/bootstrap/bootstrap.min.css")]
    public async Task EveryResponse_CarriesTheSecurityHeaders(string path)
    {
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        var csp = Header(response, "Content-Security-Policy");
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
        Assert.False(response.Headers.Contains("Server"));
    }

    [Theory]
    [Trait("TestPlan", "SES-05")]
    [InlineData("/")]
    [InlineData("/api/missing")]
    [InlineData("/openapi/v1.json")]
    public async Task PagesAndApiAnswers_AreNotCached(string path)
    {
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.True(response.Headers.CacheControl?.NoStore, $"{path} must be Cache-Control: no-store");
    }

    [Fact]
    public async Task StaticAssets_AreCacheable()
    {
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/lib/htmx/htmx.min.js", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.CacheControl?.NoStore ?? false);
        Assert.True(response.Headers.CacheControl?.Public);
    }

    [Fact]
    [Trait("TestPlan", "INJ-02")]
    public async Task HomePage_HasNoInlineScriptOrStyle()
    {
        using var client = _factory.CreateClient();

        var html = await client.GetStringAsync(new Uri("/", UriKind.Relative));

        Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)[^>]*>", html);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" style=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var contentValues) ? string.Join(",", contentValues)
        : throw new Xunit.Sdk.XunitException($"{name} missing on {response.RequestMessage?.RequestUri}");
}
