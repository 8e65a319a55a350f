using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Cli;

/// <summary>With a certificate configured the platform serves HTTPS with HSTS and plain HTTP only redirects.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HttpsTests
{
    [Fact]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "CRY-02")]
    [Trait("TestPlan", "SES-05")]
    public async Task Serve_WithCertificate_ServesHttpsWithHstsAndRedirectsHttp()
    {
        using var data = new TempDirectory();
        using var certificate = SelfSigned();
        var pfx = data.Combine("server.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "test-pass"));
        File.SetUnixFileMode(pfx, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var httpPort = ServerProcess.FreePort();
        var httpsPort = ServerProcess.FreePort();
        var seed = await ServerProcess.RunCliAsync(["demo", "seed", "--data", data.Combine("data")]);
        var designerPassword = System.Text.RegularExpressions.Regex.Match(seed.StandardOutput, @"^demo\.designer\s+\S+\s+(\S+)", System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value;

        await using var server = await ServerProcess.StartAsync(
            data.Combine("data"),
            new Dictionary<string, string?>
            {
                ["Server__Port"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Server__HttpsPort"] = httpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Server__CertificatePath"] = pfx,
                ["Server__CertificatePassword"] = "test-pass",
            },
            listenFromSettings: new Uri($"https://127.0.0.1:{httpsPort}"),
            pinnedThumbprint: certificate.Thumbprint);
        using var client = server.CreateClient();

        // HSTS is withheld from loopback names by design; a real host name gets it.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = "trabecula.hospital.test";
        using var page = await client.SendAsync(request);
        using var plain = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var redirect = await plain.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/health/ready"));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("max-age=31536000", string.Join(",", page.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.PermanentRedirect, redirect.StatusCode);
        Assert.Equal($"https://127.0.0.1:{httpsPort}/health/ready", redirect.Headers.Location?.ToString());

        // Over TLS the session cookie is a __Host- cookie: Secure, path /, no domain (SES-05).
        using var login = await client.PostAsync(new Uri("/api/auth/login", UriKind.Relative), new StringContent(
            $"{{\"userName\":\"demo.designer\",\"password\":\"{designerPassword}\"}}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("__Host-trabecula=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("secure", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.Ordinal);
        Assert.Contains("samesite=strict", cookie, StringComparison.Ordinal);
        Assert.Contains("path=/", cookie, StringComparison.Ordinal);
        Assert.DoesNotContain("domain=", cookie, StringComparison.Ordinal);
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=trabecula-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("trabecula.hospital.test");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        return request.CreateSelfSigned(now, now.AddYears(20));
    }
}
