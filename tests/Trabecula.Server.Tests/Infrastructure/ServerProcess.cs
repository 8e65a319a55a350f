using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Trabecula.Server.Tests.Infrastructure;

/// <summary>
/// The real `trabecula` executable started as a user starts it, on 127.0.0.1 and a free port,
/// for tests that need a real socket (the browser) or the real process (start-up refusals).
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, Uri baseAddress, string? pinnedThumbprint)
    {
        _process = process;
        BaseAddress = baseAddress;
        _pinnedThumbprint = pinnedThumbprint;
    }

    private readonly string? _pinnedThumbprint;

    public Uri BaseAddress { get; }

    /// <summary>The server's process id (dotnet runs the app in this process), e.g. to read its /proc status.</summary>
    public int ProcessId => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Runs a verb of the CLI to completion (dotnet Trabecula.Server.dll VERB ...).</summary>
    public static Task<ProcessResult> RunCliAsync(IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync("dotnet", [RepositoryPaths.ServerDll, .. arguments], environment, timeout ?? TimeSpan.FromMinutes(2));

    /// <summary>
    /// Starts the server. By default it listens on a free port given with --urls; with
    /// <paramref name="listenFromSettings"/> the Server section decides (HTTPS tests), and
    /// <paramref name="pinnedThumbprint"/> is the only certificate the client then accepts.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(
        string dataDirectory,
        IDictionary<string, string?>? environment = null,
        TimeSpan? readyTimeout = null,
        Uri? listenFromSettings = null,
        string? pinnedThumbprint = null,
        string host = "127.0.0.1",
        int? port = null)
    {
        var baseAddress = listenFromSettings ?? new Uri($"http://{host}:{port ?? FreePort()}");
        var env = new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>())
        {
            ["ASPNETCORE_ENVIRONMENT"] = environment?.TryGetValue("ASPNETCORE_ENVIRONMENT", out var e) == true ? e : "Production",
        };
        string[] listen = listenFromSettings is null ? ["--urls", baseAddress.ToString().TrimEnd('/')] : [];
        var info = ProcessRunner.StartInfo("dotnet", [RepositoryPaths.ServerDll, "serve", "--data", dataDirectory, .. listen], env, workingDirectory: null);
        var process = new Process { StartInfo = info };
        var server = new ServerProcess(process, baseAddress, pinnedThumbprint);
        process.OutputDataReceived += (_, a) => server.Append(a.Data);
        process.ErrorDataReceived += (_, a) => server.Append(a.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync(readyTimeout ?? TimeSpan.FromSeconds(90));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>kill -9: SIGKILL, so that no shutdown code of the server runs (the crash-safety tests).</summary>
    public async Task KillAsync()
    {
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It has exited already (killed itself at a crash point).
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to end by itself; true if it did.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public HttpClient CreateClient() => new(new HttpClientHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        ServerCertificateCustomValidationCallback = _pinnedThumbprint is null
            ? null
            : (_, certificate, _, _) => string.Equals(certificate?.Thumbprint, _pinnedThumbprint, StringComparison.OrdinalIgnoreCase),
    })
    { BaseAddress = BaseAddress };

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var client = CreateClient();
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {_process.ExitCode} before it was ready.\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The server was not ready within {timeout}.\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
