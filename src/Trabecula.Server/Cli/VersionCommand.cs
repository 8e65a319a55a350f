using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Trabecula.Server.Cli;

internal static class VersionCommand
{
    public static string InformationalVersion =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static Command Create()
    {
        var version = new Command("version", "Print the version and exit.");
        version.SetAction(_ =>
        {
            Console.WriteLine($"Trabecula {InformationalVersion} (.NET {Environment.Version}, {RuntimeInformation.RuntimeIdentifier})");
            return 0;
        });
        return version;
    }
}
