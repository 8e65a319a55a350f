using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Downloads;

/// <summary>
/// Downloads through short-lived protected links (issue 6, the bitwarden pattern of STYLE.md): the
/// link is asked for by an authorized call, streams the file decrypted with ranges, ETag and an
/// attachment name of the server's, and is refused once expired, when altered, under another
/// kind, and to anyone but the person it was issued to. Both databases.
/// </summary>
public sealed class DownloadLinkTests
{
    public static TheoryData<DatabaseKind> Databases => new() { DatabaseKind.Sqlite, DatabaseKind.PostgreSql };

    [Fact]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "AZ-01")]
    public void Pages_NeverLinkAStoredFileDirectly()
    {
        // The UI's downloads of stored files go through download links (wwwroot/js/download-links.js);
        // the direct GET endpoints of files and instances are for API clients only.
        var direct = new System.Text.RegularExpressions.Regex("href=\"/api/orders/[^\"]*/(files|instances)/");
        var offenders = Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "src", "Trabecula.Server", "Features"), "*.cshtml", SearchOption.AllDirectories)
            .SelectMany(path => File.ReadLines(path).Select((line, i) => (path, line, i)))
            .Where(x => direct.IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(RepositoryPaths.Root, x.path)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "direct file links in pages:\n" + string.Join('\n', offenders));
        Assert.Contains(Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "src", "Trabecula.Server", "Features"), "*.cshtml", SearchOption.AllDirectories),
            path => File.ReadAllText(path).Contains("data-download-kind=\"design-file\"", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("Requirement", "R-XFER-2")]
    [Trait("TestPlan", "UP-05")]
    [Trait("TestPlan", "AZ-04")]
    public async Task DownloadLink_StreamsWithRanges_AndIsRefusedExpiredAlteredOrToAnotherPerson(DatabaseKind kind)
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var factory = await TrabeculaFactory.CreateAsync(kind, clock);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        var other = await TestAccounts.OrganizationAsync(factory, "Hospital B", PartyTypes.MedicalInstitution);
        using var physician = await MfaHelper.NewUserSignedInAsync(factory, "dr.li", Roles.Physician, hospital);
        using var colleague = await MfaHelper.NewUserSignedInAsync(factory, "dr.wang", Roles.Physician, hospital);
        using var stranger = await MfaHelper.NewUserSignedInAsync(factory, "dr.other", Roles.Physician, other);
        using var created = await physician.PostAsJsonAsync("/api/orders", new
        {
            patient = new { name = "患者丙" },
            requirement = new { deviceCategory = "Other", clinicalRequirement = "model" },
        });
        var orderNode = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        var id = (string)orderNode["id"]!;
        using var opened = await physician.PostAsJsonAsync($"/api/orders/{id}/datasets", new { kind = "PhysicalModelScan", description = "model scan" });
        var dataset = (string)JsonNode.Parse(await opened.Content.ReadAsStringAsync())!["id"]!;

        // Several 64 KiB chunks, so that ranges cross chunk boundaries.
        var stl = Stl(new Random(6), 300_000);
        using var content = new ByteArrayContent(stl);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var stored = await physician.PostAsync(new Uri($"/api/orders/{id}/datasets/{dataset}/files?name=张三.stl", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        var fileId = (string)JsonNode.Parse(await stored.Content.ReadAsStringAsync())!["id"]!;
        var sha = Convert.ToHexStringLower(SHA256.HashData(stl));

        // The token's own (Data Protection) expiry runs on the real clock: bring the test's clock up to it first.
        clock.Advance(TimeProvider.System.GetUtcNow() - clock.GetUtcNow());
        using var issued = await physician.PostAsJsonAsync($"/api/orders/{id}/downloads", new { kind = "scan-file", fileId });
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        var link = JsonNode.Parse(await issued.Content.ReadAsStringAsync())!;
        var url = (string)link["url"]!;
        Assert.StartsWith("/api/downloads/scan-file/", url, StringComparison.Ordinal);
        Assert.DoesNotContain("blobs", url, StringComparison.Ordinal);
        Assert.Equal(clock.GetUtcNow().AddSeconds(60).ToUnixTimeSeconds(), ((DateTimeOffset)link["expiresAt"]!).ToUnixTimeSeconds());

        // The whole file: the bytes, a strong ETag on the content hash, an attachment with the server's name, nosniff.
        using (var whole = await physician.GetAsync(new Uri(url, UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
            Assert.Equal(stl, await whole.Content.ReadAsByteArrayAsync());
            Assert.Equal($"\"{sha}\"", whole.Headers.ETag!.Tag);
            Assert.Equal("attachment", whole.Content.Headers.ContentDisposition!.DispositionType);
            Assert.Matches("^[A-Z0-9-]+-[0-9a-f]{32}\\.stl$", whole.Content.Headers.ContentDisposition.FileName!.Trim('"'));
            Assert.Equal("nosniff", whole.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
            Assert.Equal("model/stl", whole.Content.Headers.ContentType!.MediaType);
        }

        // Ranges through the link: across a chunk boundary, a suffix, and one beyond the end.
        using (var middle = await RangeAsync(physician, url, "bytes=65000-140000"))
        {
            Assert.Equal(HttpStatusCode.PartialContent, middle.StatusCode);
            Assert.Equal($"bytes 65000-140000/{stl.Length}", middle.Content.Headers.ContentRange!.ToString());
            Assert.Equal(stl[65000..140001], await middle.Content.ReadAsByteArrayAsync());
        }

        using (var tail = await RangeAsync(physician, url, "bytes=-100"))
        {
            Assert.Equal(HttpStatusCode.PartialContent, tail.StatusCode);
            Assert.Equal(stl[^100..], await tail.Content.ReadAsByteArrayAsync());
        }

        using (var beyond = await RangeAsync(physician, url, $"bytes={stl.Length + 10}-"))
        {
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);
        }

        using (var conditional = new HttpRequestMessage(HttpMethod.Get, url))
        {
            conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{sha}\""));
            using var notModified = await physician.SendAsync(conditional);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        // Altered, another kind, another person (a colleague the matrix would allow), a stranger: refused.
        var token = url.Split('/')[^1];
        var altered = token[..10] + (token[10] == 'A' ? 'B' : 'A') + token[11..];
        Assert.Equal(HttpStatusCode.NotFound, (await physician.GetAsync(new Uri($"/api/downloads/scan-file/{altered}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await physician.GetAsync(new Uri($"/api/downloads/dicom-instance/{token}", UriKind.Relative))).StatusCode);
        using (var colleagues = await colleague.GetAsync(new Uri(url, UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, colleagues.StatusCode);
            Assert.Equal("application/problem+json", colleagues.Content.Headers.ContentType!.MediaType);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(new Uri(url, UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsJsonAsync($"/api/orders/{id}/downloads", new { kind = "scan-file", fileId })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await physician.PostAsJsonAsync($"/api/orders/{id}/downloads", new { kind = "blobs", fileId })).StatusCode);

        // A minute later the link is dead; a new one works.
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.NotFound, (await physician.GetAsync(new Uri(url, UriKind.Relative))).StatusCode);
        using var fresh = await physician.PostAsJsonAsync($"/api/orders/{id}/downloads", new { kind = "scan-file", fileId });
        using var again = await physician.GetAsync(new Uri((string)JsonNode.Parse(await fresh.Content.ReadAsStringAsync())!["url"]!, UriKind.Relative));
        Assert.Equal(stl, await again.Content.ReadAsByteArrayAsync());

        // Audited: links handed out, downloads through them, and the colleague's refused attempt.
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var entries = await db.AuditEntries.AsNoTracking().Where(e => e.TargetId == fileId).ToListAsync();
        Assert.Equal(2, entries.Count(e => e.Action == AuditAction.DownloadLinkIssued));
        Assert.True(entries.Count(e => e.Action == AuditAction.DataDownloaded && e.Outcome == AuditOutcome.Success && e.Details!.Contains("link", StringComparison.Ordinal)) >= 4);
        Assert.Single(entries, e => e.Action == AuditAction.DataDownloaded && e.Outcome == AuditOutcome.Denied && e.ActorName == "dr.wang");
    }

    private static async Task<HttpResponseMessage> RangeAsync(HttpClient client, string url, string range)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Range", range);
        return await client.SendAsync(request);
    }

    /// <summary>A binary STL of random triangles, about <paramref name="bytes"/> long.</summary>
    private static byte[] Stl(Random random, int bytes)
    {
        var triangles = (bytes - 84) / 50;
        var stl = new byte[84 + (50 * triangles)];
        BitConverter.TryWriteBytes(stl.AsSpan(80), (uint)triangles);
        for (var t = 0; t < triangles; t++)
        {
            for (var f = 0; f < 12; f++)
            {
                BitConverter.TryWriteBytes(stl.AsSpan(84 + (50 * t) + (4 * f)), f < 3 ? 0f : (float)(random.NextDouble() * 100));
            }
        }

        return stl;
    }
}
