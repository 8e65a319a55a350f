using System.Diagnostics;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// The crash-safety tests' hook (REL-01, CRY-03): TRABECULA_CRASH_AT=name[:n] makes the process
/// kill itself with SIGKILL the n-th time (default: first) it passes the named point, so that a
/// test can stop it exactly between two steps of a commit. Unset, as in every real deployment,
/// it does nothing (CrashSafetyTests checks that it is off by default and that every hooked
/// point is one the REL-01 test kills at). The points, in commit order: upload-keyed (a tus
/// upload's new key generation: its part file written and fsynced, the row not yet committed),
/// upload-sealed (a PATCH's chunks sealed into the part and fsynced, its offset not yet
/// committed), blob-written (temp file written), blob-fsynced, blob-renamed, blob-committed
/// (folder fsynced), blob-row (Blobs row saved, the feature's row not yet), upload-linked (the
/// last PATCH's part adopted as a blob, its row and the upload's completion not yet committed),
/// upload-completed (committed, the part file not yet deleted); and rewrap-batch (one batch of
/// key rotation committed).
/// </summary>
internal static class CrashPoints
{
    private static readonly (string Name, int Count)? Target = Parse(Environment.GetEnvironmentVariable("TRABECULA_CRASH_AT"));
    private static int _hits;

    /// <summary>True only when TRABECULA_CRASH_AT was set when the process started.</summary>
    public static bool IsArmed => Target is not null;

    public static void Hit(string name)
    {
        if (Target is { } target && string.Equals(target.Name, name, StringComparison.Ordinal) && Interlocked.Increment(ref _hits) >= target.Count)
        {
            using var self = Process.GetCurrentProcess();
            self.Kill();
        }
    }

    /// <summary>name[:n] → (name, n); n defaults to 1. Null for an unset or blank value.</summary>
    internal static (string Name, int Count)? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var parts = value.Split(':', 2);
        return (parts[0], parts.Length == 2 && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 1);
    }
}
