using System.CommandLine;
using Trabecula.Dicom;
using Trabecula.Mesh;

namespace Trabecula.Tools;

/// <summary>
/// The library verbs (mesh, dicom) as a command line of their own. They need no host, database,
/// configuration or master key, so when one is the first word only its command tree is built:
/// a designer's quick check or a PACS-side script does not pay for the server's start-up
/// (docs/performance.md, "Start-up of the library verbs").
/// </summary>
public static class LibraryCommandLine
{
    /// <summary>The root command's description, shared by every entry point.</summary>
    public const string Description = "Trabecula: the platform for patient-specific 3D-printed medical devices.";

    /// <summary>Whether <paramref name="args"/> names a library verb as its first word.</summary>
    public static bool IsLibraryVerb(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args.Count > 0 && args[0] is "mesh" or "dicom";
    }

    /// <summary>Builds the root with only the verb <paramref name="args"/> names and runs it.</summary>
    public static Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var verb = args is ["mesh", ..] ? MeshCommands.Create()
            : args is ["dicom", ..] ? DicomCommands.Create()
            : throw new ArgumentException("not a library verb", nameof(args));
        // --data is accepted (and unused) as on the full command line, so a script that passes it everywhere keeps working.
        return RunAsync(new RootCommand(Description) { Options = { DataOption() }, Subcommands = { verb } }, args);
    }

    /// <summary>The --data option every verb accepts.</summary>
    public static Option<string?> DataOption() => new("--data")
    {
        Description = "Data folder (database, keys, files). Default: ./data, or TRABECULA_DATA.",
        Recursive = true,
    };

    /// <summary>
    /// Runs a parsed command line with the exit codes of every verb: 2 for a usage error, 1 for a
    /// file that does not parse (one line with the reason and its position, no stack trace).
    /// </summary>
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        ArgumentNullException.ThrowIfNull(root);
        var parse = root.Parse(args);
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (CliUsageException ex)
        {
            await Console.Error.WriteLineAsync($"trabecula: {ex.Message} (see 'trabecula --help')");
            return 2;
        }
        catch (Exception ex) when (ex is DicomFormatException or MeshFormatException)
        {
            await Console.Error.WriteLineAsync($"trabecula: {ex.Message}");
            return 1;
        }
    }
}
