using System.CommandLine;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Infrastructure.Data;
using Trabecula.Tools;
using Trabecula.Server.Infrastructure.Hosting;
using Microsoft.Extensions.Options;

namespace Trabecula.Server.Cli;

/// <summary>What every verb shares: turning the parse result into host arguments and preparing the host.</summary>
internal sealed class CliContext(Option<string?> data, Option<string?> urls, Func<string[], WebApplication> buildApp)
{
    public Task<int> ServeAsync(ParseResult parse, CancellationToken cancellationToken) => RunServerAsync(parse, cancellationToken);

    /// <summary>
    /// Builds the application for a verb that does not serve: same configuration and services,
    /// logs on standard error so that the verb's own output stays clean on standard output.
    /// </summary>
    public async Task<WebApplication> BuildForCommandAsync(ParseResult parse, bool migrate, CancellationToken cancellationToken)
    {
        var args = HostArguments(parse);
        args.Add("--Logging:Console:LogToStandardErrorThreshold=Trace");
        args.Add("--Logging:LogLevel:Default=Warning");
        var app = StartupChecks.Translate(() => buildApp([.. args]));
        await PrepareAsync(app, migrate, cancellationToken);
        return app;
    }

    private async Task<int> RunServerAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        await using var app = StartupChecks.Translate(() => buildApp([.. HostArguments(parse)]));
        await PrepareAsync(app, migrate: null, cancellationToken);
        await app.RunAsync();
        return 0;
    }

    /// <summary>Checks the configuration, then migrates when asked (null: as Database:MigrateOnStart says).</summary>
    private static async Task PrepareAsync(WebApplication app, bool? migrate, CancellationToken cancellationToken)
    {
        StartupChecks.Run(app.Services);
        if (migrate ?? app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStart)
        {
            await app.Services.MigrateDatabaseAsync(cancellationToken);
            await app.Services.EnsureRolesAsync(cancellationToken);
            await Features.Permissions.PermissionDefaults.EnsurePermissionDefaultsAsync(app.Services, cancellationToken);
        }
    }

    private List<string> HostArguments(ParseResult parse)
    {
        var args = new List<string>();
        var unmatched = parse.UnmatchedTokens;
        for (var i = 0; i < unmatched.Count; i++)
        {
            var token = unmatched[i];
            var isOption = token.StartsWith("--", StringComparison.Ordinal) || token.StartsWith('/');
            var isValueOfPrevious = i > 0 && unmatched[i - 1].StartsWith("--", StringComparison.Ordinal) && !unmatched[i - 1].Contains('=', StringComparison.Ordinal);
            if (!isOption && !isValueOfPrevious)
            {
                throw new CliUsageException($"unknown command or argument '{token}'");
            }

            args.Add(token);
        }

        var folder = parse.GetValue(data) ?? Environment.GetEnvironmentVariable("TRABECULA_DATA");
        if (!string.IsNullOrWhiteSpace(folder))
        {
            args.Add($"--Data:Directory={Path.GetFullPath(folder)}");
        }

        var listen = parse.GetValue(urls);
        if (!string.IsNullOrWhiteSpace(listen))
        {
            args.Add($"--urls={listen}");
        }

        // An installed binary finds its web root beside itself, whatever the current directory;
        // a caller (the test host) that names a content root keeps it.
        if (!args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase))
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT")))
        {
            args.Add($"--contentRoot={AppContext.BaseDirectory}");
        }

        return args;
    }
}
