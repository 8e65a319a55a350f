using System.Diagnostics;
using System.Globalization;

namespace Trabecula.Bench;

/// <summary>
/// Throughput harness for the audit trail. Each measurement prints one line: what, the number,
/// the unit, and notes; each has an anchor measured the same way in the same run.
///   audit-append --provider sqlite|postgresql --entries N --concurrency C
///   audit-verify --provider sqlite|postgresql --entries N
///   orders-seed --orders N --audit M -- --Data:Directory=... [--Database:Provider=PostgreSQL ...]
///   trace --devices N --runs R -- --Data:Directory=... [--Database:Provider=PostgreSQL ...]
/// PostgreSQL needs TRABECULA_BENCH_POSTGRES (an admin connection string); bench/audit.sh starts one.
/// </summary>
internal static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        var verb = args.FirstOrDefault() ?? "help";
        var provider = Option(args, "--provider", "sqlite");
        var entries = int.Parse(Option(args, "--entries", "20000"), CultureInfo.InvariantCulture);
        var concurrency = int.Parse(Option(args, "--concurrency", "64"), CultureInfo.InvariantCulture);
        switch (verb)
        {
            case "audit-append":
                await AuditBench.AppendAsync(provider, entries, concurrency);
                return 0;
            case "audit-verify":
                await AuditBench.VerifyAsync(provider, entries);
                return 0;
            case "orders-seed":
                // Everything after "--" goes to the platform, as on the trabecula command line.
                var split = Array.IndexOf(args, "--");
                await OrdersBench.SeedAsync(split >= 0 ? args[(split + 1)..] : [],
                    int.Parse(Option(args, "--orders", "100000"), CultureInfo.InvariantCulture),
                    int.Parse(Option(args, "--audit", "1000000"), CultureInfo.InvariantCulture));
                return 0;
            case "trace":
                var rest = Array.IndexOf(args, "--");
                await TraceBench.RunAsync(rest >= 0 ? args[(rest + 1)..] : [],
                    int.Parse(Option(args, "--devices", "10000"), CultureInfo.InvariantCulture),
                    int.Parse(Option(args, "--runs", "51"), CultureInfo.InvariantCulture));
                return 0;
            case "blob-seal":
                BlobBench.Run();
                return 0;
            default:
                await Console.Error.WriteLineAsync("usage: audit-append|audit-verify --provider sqlite|postgresql --entries N [--concurrency C] | orders-seed --orders N --audit M -- <platform settings>");
                return 2;
        }
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }
}

internal static class Report
{
    public static void Line(string what, double value, string unit, string notes) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what,-64} {value,12:F2}  {unit,-10} {notes}"));

    public static double PerSecond(long count, Stopwatch stopwatch) => count / stopwatch.Elapsed.TotalSeconds;
}
