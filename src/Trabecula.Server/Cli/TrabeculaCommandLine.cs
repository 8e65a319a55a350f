using System.CommandLine;
using Trabecula.Server.Infrastructure.Hosting;
using Trabecula.Tools;

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

    public static Task<int> InvokeAsync(string[] args, Func<string[], WebApplication> buildApp)
    {
        ArgumentNullException.ThrowIfNull(args);
        // A library verb (mesh, dicom) builds only its own command tree (see LibraryCommandLine);
        // so do the workstation's verbs, which run where there is no platform at all (an offline printer PC).
        return LibraryCommandLine.IsLibraryVerb(args) ? LibraryCommandLine.RunAsync(args)
            : args is ["package", ..] ? RunAsync(new RootCommand(LibraryCommandLine.Description) { Options = { LibraryCommandLine.DataOption() }, Subcommands = { Features.Transfer.PackageCommands.Create() } }, args)
            : RunAsync(FullRoot(buildApp), args);
    }

    private static RootCommand FullRoot(Func<string[], WebApplication> buildApp)
    {
        var data = LibraryCommandLine.DataOption();
        var urls = new Option<string?>("--urls")
        {
            Description = "Addresses to listen on, e.g. http://127.0.0.1:5080 (overrides Server:Host and Server:Port).",
        };

        var root = new RootCommand(LibraryCommandLine.Description)
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

    private static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        try
        {
            return await LibraryCommandLine.RunAsync(root, args);
        }
        catch (StartupException ex)
        {
            await Console.Error.WriteLineAsync($"trabecula: {ex.Message}");
            return ConfigurationError;
        }
    }
}
