using System.Net;
using System.Xml.Linq;
using Microsoft.AspNetCore.Mvc.Testing;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Shell;

public sealed class LocalizationTests : IAsyncLifetime
{
    private TrabeculaFactory _factory = null!;

    public async Task InitializeAsync() => _factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task HomePage_ByDefault_IsSimplifiedChinese()
    {
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.AcceptLanguage.ParseAdd("en-US,en;q=0.9");

        using var response = await client.SendAsync(request);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Contains("<html lang=\"zh-CN\">", html, StringComparison.Ordinal);
        Assert.Contains("平台概览", html, StringComparison.Ordinal);
        Assert.Contains("设计方案确认", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwitchToEnglish_SetsCookieAndReturnsToThePage()
    {
        using var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var token = Antiforgery.FormToken(await client.GetStringAsync(new Uri("/", UriKind.Relative)));

        using var response = await client.PostAsync(new Uri("/culture", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["culture"] = "en",
            ["returnUrl"] = "/?tab=1",
            ["__RequestVerificationToken"] = token,
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/?tab=1", response.Headers.Location?.OriginalString);
        var html = await client.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Contains("Platform overview", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("//evil.example/")]
    [InlineData("https://evil.example/")]
    [InlineData("/\\evil.example")]
    [InlineData("javascript:alert(1)")]
    public async Task SwitchLanguage_ForeignReturnUrl_RedirectsHome(string returnUrl)
    {
        using var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var token = Antiforgery.FormToken(await client.GetStringAsync(new Uri("/", UriKind.Relative)));

        using var response = await client.PostAsync(new Uri("/culture", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["culture"] = "en",
            ["returnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = token,
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task SwitchLanguage_UnsupportedCulture_IsRejected()
    {
        using var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var token = Antiforgery.FormToken(await client.GetStringAsync(new Uri("/", UriKind.Relative)));

        using var response = await client.PostAsync(new Uri("/culture", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["culture"] = "xx-INVALID",
            ["__RequestVerificationToken"] = token,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public void ResourceFiles_ChineseAndEnglish_HaveTheSameKeys()
    {
        var folder = Path.Combine(RepositoryPaths.Root, "src", "Trabecula.Server", "Resources");
        foreach (var chinese in Directory.GetFiles(folder, "*.resx").Where(f => !f.EndsWith(".en.resx", StringComparison.Ordinal)))
        {
            var english = chinese[..^".resx".Length] + ".en.resx";
            Assert.True(File.Exists(english), $"{Path.GetFileName(chinese)} has no English counterpart");
            Assert.Equal(Keys(chinese), Keys(english));
        }
    }

    private static IEnumerable<string> Keys(string resx) =>
        XDocument.Load(resx).Root!.Elements("data").Select(d => (string)d.Attribute("name")!).Order(StringComparer.Ordinal);
}
