using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Hosting;

public sealed class ProblemDetailsTests : IAsyncLifetime
{
    private TrabeculaFactory _factory = null!;

    public async Task InitializeAsync() => _factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    [Trait("TestPlan", "HRD-04")]
    public async Task UnknownApiRoute_Anonymous_AnswersUnauthorizedProblem()
    {
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/api/no-such-thing", UriKind.Relative));

        // Anonymous callers learn nothing about which routes exist.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("urn:trabecula:problem:unauthorized", problem.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    [Trait("TestPlan", "HRD-04")]
    public async Task UnknownApiRoute_SignedIn_AnswersProblemDetailsWithStableTypeAndTraceId()
    {
        await TestAccounts.UserAsync(_factory, "designer.pd", Trabecula.Server.Features.Accounts.Roles.Designer);
        using var client = await TestAccounts.SignedInAsync(_factory, "designer.pd");

        using var response = await client.GetAsync(new Uri("/api/no-such-thing", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("urn:trabecula:problem:not-found", problem.RootElement.GetProperty("type").GetString());
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("traceId").GetString()));
    }

    [Fact]
    [Trait("TestPlan", "CSRF-01")]
    [Trait("TestPlan", "INJ-04")]
    public async Task FormPostWithoutAntiforgeryToken_IsRejectedAsProblem()
    {
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/culture")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["culture"] = "en" }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("urn:trabecula:problem:bad-request", problem.RootElement.GetProperty("type").GetString());
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("trabecula.culture", StringComparison.Ordinal)));
    }

    [Fact]
    [Trait("TestPlan", "HRD-04")]
    public async Task UnknownPage_SignedIn_AnswersLocalizedHtmlErrorPage()
    {
        await TestAccounts.UserAsync(_factory, "designer.page", Trabecula.Server.Features.Accounts.Roles.Designer);
        using var client = await TestAccounts.SignedInAsync(_factory, "designer.page");

        using var response = await client.GetAsync(new Uri("/no/such/page", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("找不到该页面", html, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("TestPlan", "HRD-01")]
    public async Task TraceMethod_IsNotAllowed()
    {
        await TestAccounts.UserAsync(_factory, "designer.trace", Trabecula.Server.Features.Accounts.Roles.Designer);
        using var client = await TestAccounts.SignedInAsync(_factory, "designer.trace");

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Trace, "/api/organizations"));

        Assert.True(response.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotFound, response.StatusCode.ToString());
    }
}
