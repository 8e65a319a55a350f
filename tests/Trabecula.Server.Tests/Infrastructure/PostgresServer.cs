using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Trabecula.Server.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL for the tests. TRABECULA_TEST_POSTGRES names an existing server (an admin
/// connection string); otherwise a throwaway cluster is created with initdb in a temp folder on
/// 127.0.0.1 and a free port, once per test run, and stopped when the run ends. No Docker here:
/// PostgreSQL refuses to run as root, so as root the cluster runs as the postgres user.
/// There is no silent skip: without PostgreSQL binaries these tests fail and say why.
/// </summary>
internal sealed class PostgresServer
{
    private static readonly Lazy<Task<PostgresServer>> SharedInstance = new(StartAsync);

    private readonly string? _clusterDirectory;

    private PostgresServer(string adminConnectionString, string? clusterDirectory)
    {
        AdminConnectionString = adminConnectionString;
        _clusterDirectory = clusterDirectory;
    }

    public string AdminConnectionString { get; }

    public static Task<PostgresServer> SharedAsync() => SharedInstance.Value;

    /// <summary>Creates an empty database for one test and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            // The name is ours (hex), not input; CREATE DATABASE takes no parameters.
            command.CommandText = $"CREATE DATABASE \"{name}\"";
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = false }.ConnectionString;
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var existing = Environment.GetEnvironmentVariable("TRABECULA_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(existing))
        {
            return new PostgresServer(existing, clusterDirectory: null);
        }

        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("PostgreSQL tests need a server: install the 'postgresql' package (bash .ci/run does) or set TRABECULA_TEST_POSTGRES to an admin connection string.");
        }

        var directory = Directory.CreateTempSubdirectory("trabecula-pg-").FullName;
        var asRoot = Environment.UserName == "root";
        var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var passwordFile = Path.Combine(directory, "pw");
        await File.WriteAllTextAsync(passwordFile, password);
        if (asRoot)
        {
            await MustAsync("chown", ["-R", "postgres", directory]);
        }

        var port = FreePort();
        await MustAsync(asRoot, Path.Combine(bin, "initdb"), ["-D", Path.Combine(directory, "data"), "-A", "scram-sha-256", "--pwfile=" + passwordFile, "-U", "trabecula", "--no-sync", "-E", "UTF8", "--locale=C"]);
        await MustAsync(asRoot, Path.Combine(bin, "pg_ctl"), ["-D", Path.Combine(directory, "data"), "-l", Path.Combine(directory, "log"), "-w", "-t", "60",
            "-o", $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start"]);

        var server = new PostgresServer($"Host=127.0.0.1;Port={port};Username=trabecula;Password={password};Database=postgres;Pooling=false", directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop(bin, asRoot);
        return server;
    }

    private void Stop(string bin, bool asRoot)
    {
        if (_clusterDirectory is null)
        {
            return;
        }

        var (file, args) = Command(asRoot, Path.Combine(bin, "pg_ctl"), ["-D", Path.Combine(_clusterDirectory, "data"), "stop", "-m", "immediate"]);
        using (var process = System.Diagnostics.Process.Start(ProcessRunner.StartInfo(file, args, null, null)))
        {
            process?.WaitForExit(30_000);
        }

        try
        {
            Directory.Delete(_clusterDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static Task MustAsync(bool asRoot, string file, string[] args)
    {
        var (f, a) = Command(asRoot, file, args);
        return MustAsync(f, a);
    }

    private static async Task MustAsync(string file, string[] args)
    {
        var result = await ProcessRunner.RunAsync(file, args, timeout: TimeSpan.FromSeconds(120));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
        }
    }

    private static (string File, string[] Args) Command(bool asRoot, string file, string[] args) =>
        asRoot ? ("runuser", ["-u", "postgres", "--", file, .. args]) : (file, args);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
