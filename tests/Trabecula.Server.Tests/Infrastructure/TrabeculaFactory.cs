using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Trabecula.Server.Tests.Infrastructure;

/// <summary>
/// The whole platform in-process on a fresh database of the given kind and a fresh data folder.
/// Create one per test (or per class) so that no test sees another's data.
/// </summary>
public sealed class TrabeculaFactory : WebApplicationFactory<Program>
{
    private readonly TempDirectory _data;
    private readonly bool _ownsData;
    private readonly DatabaseKind _kind;
    private readonly string? _postgresConnectionString;

    private TrabeculaFactory(DatabaseKind kind, string? postgresConnectionString, TempDirectory? sharedData = null)
    {
        _kind = kind;
        _postgresConnectionString = postgresConnectionString;
        _ownsData = sharedData is null;
        _data = sharedData ?? new TempDirectory();
    }

    /// <summary>A second platform on the same database and data folder: what a second server process would be.</summary>
    public TrabeculaFactory Sibling()
    {
        var sibling = new TrabeculaFactory(_kind, _postgresConnectionString, _data) { Time = Time };
        foreach (var (key, value) in Settings)
        {
            sibling.Settings[key] = value;
        }

        return sibling;
    }

    public string DataDirectory => _data.Path;

    /// <summary>Replace to control the clock (sessions, approvals' validity, audit times).</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Extra configuration, as "Section:Key" → value.</summary>
    public IDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();

    public DatabaseKind Kind => _kind;

    /// <summary>
    /// Services to add before the host starts: only for another feature's interface that has no
    /// implementation on this branch yet (never our database or storage).
    /// </summary>
    public Action<IServiceCollection>? ExtraServices { get; set; }

    public static async Task<TrabeculaFactory> CreateAsync(DatabaseKind kind, TimeProvider? time = null, IDictionary<string, string?>? settings = null)
    {
        var connectionString = kind == DatabaseKind.PostgreSql
            ? await (await PostgresServer.SharedAsync()).CreateDatabaseAsync()
            : null;
        var factory = new TrabeculaFactory(kind, connectionString) { Time = time };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            factory.Settings[key] = value;
        }

        return factory;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Data:Directory", _data.Path);
        builder.UseSetting("Database:Provider", _kind == DatabaseKind.PostgreSql ? "PostgreSQL" : "Sqlite");
        if (_postgresConnectionString is not null)
        {
            builder.UseSetting("Database:ConnectionString", _postgresConnectionString);
        }

        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            ExtraServices?.Invoke(services);
            if (Time is not null)
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton(Time);
            }
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsData)
        {
            _data.Dispose();
        }
    }
}
