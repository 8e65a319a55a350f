using System.CommandLine;
using Trabecula.Server.Infrastructure.Hosting;

namespace Trabecula.Server.Cli;

/// <summary>
/// The verbs of the one executable: serve (the default), db migrate, demo seed, version.
/// Every verb takes --data; settings not covered by an option pass through to ASP.NET Core
/// configuration as --Section:Key=value, exactly as ASP.NET's own command line accepts them.
/// </summary>
internal static class TrabeculaCommandLine
{
    /// <summary>sysexits.h EX_CONFIG: the configuration is wrong, restarting will not help.</summary>
    public const int ConfigurationError = 78;

    private const string Description = "Trabecula: the platform for patient-specific 3D-printed medical devices.";

    public static Task<int> InvokeAsync(string[] args, Func<string[], WebApplication> buildApp)
    {
        ArgumentNullException.ThrowIfNull(args);
        // The library verbs (mesh, dicom) use no host, database, configuration or master key: when
        // one is the first word, only its command tree is built, so a designer's quick check does
        // not pay for constructing every verb (see docs/performance.md, "Start-up of the library verbs").
        return args is ["mesh", ..] ? RunAsync(LibraryRoot(MeshCommands.Create()), args)
            : args is ["dicom", ..] ? RunAsync(LibraryRoot(DicomCommands.Create()), args)
            // The workstation's verbs run where there is no platform at all (an offline printer PC).
            : args is ["package", ..] ? RunAsync(LibraryRoot(Features.Transfer.PackageCommands.Create()), args)
            : RunAsync(FullRoot(buildApp), args);
    }

    private static RootCommand LibraryRoot(Command verb) =>
        // --data is accepted (and unused) as on the full command line, so a script that passes it everywhere keeps working.
        new(Description) { Options = { DataOption() }, Subcommands = { verb } };

    private static RootCommand FullRoot(Func<string[], WebApplication> buildApp)
    {
        var data = DataOption();
        var urls = new Option<string?>("--urls")
        {
            Description = "Addresses to listen on, e.g. http://127.0.0.1:5080 (overrides Server:Host and Server:Port).",
        };

        var root = new RootCommand(Description)
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        root.Options.Add(data);
        root.Options.Add(urls);

        var serve = new Command("serve", "Run the web server (the default when no verb is given).") { TreatUnmatchedTokensAsErrors = false };
        serve.Options.Add(urls);
        root.Subcommands.Add(serve);

        var context = new CliContext(data, urls, buildApp);
        root.SetAction(context.ServeAsync);
        serve.SetAction(context.ServeAsync);
        root.Subcommands.Add(DbCommands.Create(context));
        root.Subcommands.Add(DemoCommands.Create(context));
        root.Subcommands.Add(Features.Audit.AuditCommands.Create(context));
        root.Subcommands.Add(DicomCommands.Create());
        root.Subcommands.Add(MeshCommands.Create());
        root.Subcommands.Add(VersionCommand.Create());
        root.Subcommands.Add(KeyCommands.Create(context));
        root.Subcommands.Add(Features.Designs.SignatureCommands.Create(context));
        root.Subcommands.Add(Features.Transfer.PackageCommands.Create());
        return root;
    }

    private static Option<string?> DataOption() => new("--data")
    {
        Description = "Data folder (database, keys, files). Default: ./data, or TRABECULA_DATA.",
        Recursive = true,
    };

    private static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (StartupException ex)
        {
            await Console.Error.WriteLineAsync($"trabecula: {ex.Message}");
            return ConfigurationError;
        }
        catch (CliUsageException ex)
        {
            await Console.Error.WriteLineAsync($"trabecula: {ex.Message} (see 'trabecula --help')");
            return 2;
        }
        catch (Exception ex) when (ex is Dicom.DicomFormatException or Mesh.MeshFormatException)
        {
            // A file that does not parse: one line with the reason and its position, no stack trace.
            await Console.Error.WriteLineAsync($"trabecula: {ex.Message}");
            return 1;
        }
    }
}
