using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Browser;

/// <summary>
/// Issue "storage and transfer": the order page uploads every dataset file through tus with
/// tus-js-client, with a progress bar, pause and resume, and survives a dropped connection by
/// resuming from the server's offset; the finished upload is ingested into the dataset.
/// </summary>
public sealed class UploadBrowserTests
{
    private const int ChunkBytes = 256 << 10;

    [Fact]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("Requirement", "R-DATA-1")]
    [Trait("TestPlan", "UP-06")]
    public async Task OrderPage_UploadsSeriesAndZipThroughTus_PausesResumesAndSurvivesADroppedConnection_InChromium()
    {
        using var data = new TempDirectory();
        var seed = await ServerProcess.RunCliAsync(["demo", "seed", "--data", data.Path]);
        // Small pieces so that a few MiB take many PATCH requests: pausing and dropping the line mid-way is then certain.
        await using var server = await ServerProcess.StartAsync(data.Path, new Dictionary<string, string?> { ["Uploads__BrowserChunkBytes"] = ChunkBytes.ToString(CultureInfo.InvariantCulture) });
        var baseUrl = server.BaseAddress.ToString().TrimEnd('/');
        var account = await DemoAccount.SetUpAsync(server, seed.StandardOutput, "demo.physician");

        var series = await DicomSamples.SeriesAsync();
        using var temp = new TempDirectory();
        var zip = temp.Combine("ct.zip");
        // The series plus an incompressible viewer file of 6 MiB (skipped by the ingest, like a CD's viewer): enough bytes to pause in.
        var made = await ProcessRunner.RunAsync("/usr/bin/python3", ["-c",
            "import sys,zipfile,random\nout,*dcm=sys.argv[1:]\nr=random.Random(7)\nwith zipfile.ZipFile(out,'w',zipfile.ZIP_STORED) as z:\n  [z.write(f,'DICOM/IM%d'%i) for i,f in enumerate(dcm)]; z.writestr('VIEWER.BIN',r.randbytes(6<<20))\n",
            zip, .. series]);
        Assert.True(made.ExitCode == 0, made.StandardError);
        var zipLength = new FileInfo(zip).Length;
        var truncated = temp.Combine("broken.dcm");
        await File.WriteAllBytesAsync(truncated, (await File.ReadAllBytesAsync(series[0]))[..300]);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = DesignBrowserTests.WebGlArguments,
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
        var page = await context.NewPageAsync();
        HomePageBrowserTests.AllowForLoad(page);
        var consoleErrors = new ConcurrentQueue<string>();
        page.Console += (_, message) => { if (message.Type == "error" && message.Text.Contains("Content Security Policy", StringComparison.Ordinal)) { consoleErrors.Enqueue(message.Text); } };
        await account.SignInAsync(page, baseUrl);

        // Every tus exchange the page makes, in order: the method, the offset it sent and the offset it was told.
        var exchanges = new ConcurrentQueue<(string Method, long? Sent, long? Told)>();
        page.Response += async (_, response) =>
        {
            if (!response.Url.Contains("/api/uploads/", StringComparison.Ordinal))
            {
                return;
            }

            var sent = await response.Request.HeaderValueAsync("upload-offset");
            var told = await response.HeaderValueAsync("upload-offset");
            exchanges.Enqueue((response.Request.Method, sent is null ? null : long.Parse(sent, CultureInfo.InvariantCulture), told is null ? null : long.Parse(told, CultureInfo.InvariantCulture)));
        };

        // Each PATCH waits a little before it leaves, as on a slow hospital line.
        await page.RouteAsync("**/api/uploads/**", async route =>
        {
            if (route.Request.Method == "PATCH")
            {
                await Task.Delay(120);
            }

            try
            {
                await route.ContinueAsync();
            }
            catch (PlaywrightException)
            {
                // The page aborted it meanwhile (pause): nothing to continue.
            }
        });

        await page.GotoAsync(baseUrl + "/orders/new");
        await page.FillAsync("#patient-name", "赵六");
        await page.SelectOptionAsync("#category", "Other");
        await page.FillAsync("#clinical", "颅骨缺损修复");
        await page.ClickAsync("#create-order");
        await page.WaitForURLAsync(new Regex("/orders/[0-9a-f-]{36}$"));
        var orderUrl = page.Url;

        // 1. A series of four files: each through tus, each bar to 100 %, then the page shows the series.
        await NewDatasetAsync(page, "CT series", orderUrl);
        await page.SetInputFilesAsync(".dataset-files", series);
        await page.EvaluateAsync("() => { window.__beforeReload = true; }");
        await page.ClickAsync(".dataset-upload");
        await page.WaitForSelectorAsync(".upload-all-done");
        Assert.Equal(4, await page.Locator(".upload-item[data-state=done]").CountAsync());
        Assert.Equal([100, 100, 100, 100], (await page.Locator(".upload-progress").EvaluateAllAsync<int[]>("bars => bars.map(b => b.value)")).ToList());
        await page.WaitForFunctionAsync("() => window.__beforeReload === undefined && document.readyState === 'complete'");
        Assert.Contains("4", await page.InnerTextAsync(".series-summary"), StringComparison.Ordinal);
        Assert.Contains(exchanges, e => e.Method == "PATCH");

        // 2. A broken file is refused with the parser's reason, in the page's language.
        await NewDatasetAsync(page, "broken", orderUrl);
        var brokenForm = page.Locator(".dataset").Last;
        await brokenForm.Locator(".dataset-files").SetInputFilesAsync(truncated);
        await brokenForm.Locator(".dataset-upload").ClickAsync();
        var refused = brokenForm.Locator(".upload-item[data-state=error] .upload-status");
        await refused.WaitForAsync();
        Assert.StartsWith("文件无法解析（422）", await refused.InnerTextAsync(), StringComparison.Ordinal);

        // 3. A zip: paused mid-way, the server keeps its offset; resumed, it carries on from there.
        await page.GotoAsync(orderUrl);
        await NewDatasetAsync(page, "CD zip", orderUrl);
        var zipForm = page.Locator(".dataset").Last;
        await zipForm.Locator(".dataset-files").SetInputFilesAsync(zip);
        await zipForm.Locator(".dataset-upload").ClickAsync();
        await page.WaitForFunctionAsync("() => { const b = document.querySelector('.dataset:last-of-type .upload-progress'); return b && b.value >= 20; }");
        await zipForm.Locator(".upload-pause").ClickAsync();
        Assert.Equal("paused", await zipForm.Locator(".upload-item").GetAttributeAsync("data-state"));
        var location = await UploadLocationAsync(page);
        await Task.Delay(1500);
        var pausedAt = await ServerOffsetAsync(context, baseUrl, location);
        await Task.Delay(1500);
        Assert.Equal(pausedAt, await ServerOffsetAsync(context, baseUrl, location));
        Assert.InRange(pausedAt, 1, zipLength - 1);
        Assert.Contains("MiB/s", await zipForm.Locator(".upload-stats").InnerTextAsync(), StringComparison.Ordinal);

        exchanges.Clear();
        await zipForm.Locator(".upload-resume").ClickAsync();
        await page.WaitForFunctionAsync("() => { const b = document.querySelector('.dataset:last-of-type .upload-progress'); return b && b.value >= 60; }");

        // 4. The line drops (Chromium offline) and comes back: the page asks the server (HEAD) and goes on from its offset, not from 0.
        var cdp = await context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Network.enable");
        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object> { ["offline"] = true, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = -1 });
        await Task.Delay(2500);
        var beforeDrop = exchanges.ToArray();
        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object> { ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = -1 });
        await page.WaitForSelectorAsync(".upload-all-done", new PageWaitForSelectorOptions { Timeout = 120_000 });
        Assert.Contains("已保存 4", await zipForm.Locator(".upload-item .upload-status").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(100, await zipForm.Locator(".upload-progress").EvaluateAsync<int>("b => b.value"));

        var all = exchanges.ToArray();
        // After the resume: a HEAD told the paused offset, and the next PATCH sent exactly it.
        var resumeHead = Array.FindIndex(all, e => e.Method == "HEAD");
        Assert.True(resumeHead >= 0, "no HEAD after resume");
        Assert.Equal(pausedAt, all[resumeHead].Told);
        Assert.Equal(pausedAt, all.Skip(resumeHead).First(e => e.Method == "PATCH").Sent);
        // After the drop: another HEAD, told more than the pause offset, and the PATCH after it went on from there.
        var reconnectHead = Array.FindIndex(all, beforeDrop.Length, e => e.Method == "HEAD");
        Assert.True(reconnectHead >= 0, "no HEAD after the connection came back");
        var reconnectedAt = all[reconnectHead].Told!.Value;
        Assert.InRange(reconnectedAt, pausedAt + 1, zipLength - 1);
        Assert.Equal(reconnectedAt, all.Skip(reconnectHead).First(e => e.Method == "PATCH").Sent);
        Assert.DoesNotContain(all, e => e.Method == "PATCH" && e.Sent == 0);
        Assert.Equal(zipLength, all.Last(e => e.Method == "PATCH").Told);

        await page.WaitForFunctionAsync("() => document.readyState === 'complete' && !document.querySelector('.upload-all-done')");
        var zipSeries = page.Locator(".dataset").Last.Locator(".series-summary");
        Assert.Contains("4", await zipSeries.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Empty(consoleErrors);
    }

    private static async Task NewDatasetAsync(IPage page, string description, string orderUrl)
    {
        await page.FillAsync("#dataset-description", description);
        await page.EvaluateAsync("() => { window.__beforeReload = true; }");
        await page.ClickAsync("#dataset-create");
        await page.WaitForFunctionAsync("() => window.__beforeReload === undefined && document.readyState === 'complete'");
        Assert.Equal(orderUrl, page.Url);
    }

    /// <summary>The tus upload URL tus-js-client keeps for resuming (its localStorage entry).</summary>
    private static async Task<string> UploadLocationAsync(IPage page) =>
        await page.EvaluateAsync<string>("() => Object.keys(localStorage).filter(k => k.startsWith('tus::')).map(k => JSON.parse(localStorage.getItem(k)).uploadUrl).find(u => u)");

    /// <summary>What the server has of the upload, asked with the page's own session.</summary>
    private static async Task<long> ServerOffsetAsync(IBrowserContext context, string baseUrl, string location)
    {
        var response = await context.APIRequest.HeadAsync(new Uri(new Uri(baseUrl), location).ToString(), new APIRequestContextOptions { Headers = new Dictionary<string, string> { ["Tus-Resumable"] = "1.0.0" } });
        Assert.Equal(200, response.Status);
        return long.Parse(response.Headers["upload-offset"], CultureInfo.InvariantCulture);
    }
}
