using Microsoft.Extensions.Options;
using Trabecula.Server.Infrastructure.Keys;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Infrastructure.Hosting;

/// <summary>
/// Runs before the first request: every options section is bound and validated, the data folder
/// exists, the master key loads. Any problem becomes a <see cref="StartupException"/> with a
/// one-line message naming the setting, which the command line prints before exiting.
/// </summary>
internal static class StartupChecks
{
    public static void Run(IServiceProvider services)
    {
        foreach (var check in services.GetServices<OptionsCheck>())
        {
            Translate(() => check.Resolve(services));
        }

        var data = services.GetRequiredService<DataDirectory>();
        try
        {
            data.EnsureCreated();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"Data:Directory '{data.Root}' cannot be created: {ex.Message}", ex);
        }

        _ = services.GetRequiredService<MasterKey>();
    }

    /// <summary>
    /// Runs <paramref name="step"/> and turns a configuration failure into a <see cref="StartupException"/>.
    /// Building the host already reads the Server section (Kestrel is created in Build), so the
    /// command line wraps the build in this too.
    /// </summary>
    public static T Translate<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (OptionsValidationException invalid)
        {
            throw new StartupException(string.Join(" ", invalid.Failures), invalid);
        }
        catch (InvalidOperationException binding) when (binding.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            // The configuration binder's message names the key and the value it could not convert.
            throw new StartupException(binding.Message, binding);
        }
    }
}
