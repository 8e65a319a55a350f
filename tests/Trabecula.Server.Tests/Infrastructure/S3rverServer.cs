using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Trabecula.Server.Tests.Infrastructure;

/// <summary>
/// A real S3-compatible server for the tests of the S3 blob store: the npm package s3rver
/// (tools/s3rver, installed with npm ci by .ci/run) on 127.0.0.1 and a free port, once per test
/// run, stopped when the run ends. Each test gets a bucket of its own. No silent skip: without
/// the package these tests fail and say how to install it.
/// </summary>
internal sealed class S3rverServer
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private static readonly Lazy<Task<S3rverServer>> SharedInstance = new(StartAsync);

    private S3rverServer(Uri serviceUrl, string directory)
    {
        ServiceUrl = serviceUrl;
        Directory = directory;
    }

    public Uri ServiceUrl { get; }

    /// <summary>Where s3rver keeps the objects: what the CRY-01 test greps.</summary>
    public string Directory { get; }

    public static Task<S3rverServer> SharedAsync() => SharedInstance.Value;

    /// <summary>The settings that point the platform at a fresh bucket on this server.</summary>
    public async Task<Dictionary<string, string?>> NewBucketSettingsAsync()
    {
        var bucket = "t-" + Guid.NewGuid().ToString("N")[..20];
        using var client = new HttpClient();
        // s3rver accepts unsigned bucket creation; the store itself signs every request.
        using var created = await client.PutAsync(new Uri(ServiceUrl, bucket), null);
        created.EnsureSuccessStatusCode();
        return new Dictionary<string, string?>
        {
            ["Storage:Target"] = "s3",
            ["Storage:S3:ServiceUrl"] = ServiceUrl.ToString(),
            ["Storage:S3:Bucket"] = bucket,
            ["Storage:S3:Region"] = "cn-north-1",
            ["Storage:S3:AccessKey"] = AccessKey,
            ["Storage:S3:SecretKey"] = SecretKey,
        };
    }

    private static async Task<S3rverServer> StartAsync()
    {
        var bin = Path.Combine(RepositoryPaths.Root, "tools", "s3rver", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(bin))
        {
            throw new InvalidOperationException("The S3 tests need s3rver: run 'npm ci' in tools/s3rver (bash .ci/run does).");
        }

        var directory = System.IO.Directory.CreateTempSubdirectory("trabecula-s3-").FullName;
        var port = FreePort();
        var info = ProcessRunner.StartInfo("node", [bin, "-d", directory, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent"], null, null);
        var process = new Process { StartInfo = info };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                process.Kill();
            }
            catch (InvalidOperationException)
            {
            }
        };

        var url = new Uri($"http://127.0.0.1:{port}/");
        using var client = new HttpClient();
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"s3rver exited with code {process.ExitCode}.");
            }

            try
            {
                using var response = await client.GetAsync(url);
                return new S3rverServer(url, directory);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
        }

        throw new TimeoutException("s3rver did not start within 30 s.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The blob stores every storage test runs on.</summary>
public enum StoreKind
{
    Local,
    S3,
}
