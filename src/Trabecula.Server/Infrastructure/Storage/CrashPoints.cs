using System.Diagnostics;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// The crash-safety tests' hook (REL-01, CRY-03): TRABECULA_CRASH_AT=name[:n] makes the process
/// kill itself with SIGKILL the n-th time (default: first) it passes the named point, so that a
/// test can stop it exactly between two steps of a commit. Unset, as in every real deployment,
/// it does nothing.
/// </summary>
internal static class CrashPoints
{
    private static readonly (string Name, int Count)? Target = Parse(Environment.GetEnvironmentVariable("TRABECULA_CRASH_AT"));
    private static int _hits;

    public static void Hit(string name)
    {
        if (Target is { } target && string.Equals(target.Name, name, StringComparison.Ordinal) && Interlocked.Increment(ref _hits) >= target.Count)
        {
            using var self = Process.GetCurrentProcess();
            self.Kill();
        }
    }

    private static (string, int)? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var parts = value.Split(':', 2);
        return (parts[0], parts.Length == 2 && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 1);
    }
}
