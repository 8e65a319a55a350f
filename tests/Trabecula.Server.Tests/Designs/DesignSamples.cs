using System.Collections.Concurrent;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Designs;

/// <summary>
/// Implant models made by OpenSCAD and a design report printed to PDF by Chromium (outside tools,
/// not ours), once per test run. The plate is a spherical cap with four screw holes; <c>thickness</c>
/// moves its inner surface, which is what a version comparison should find.
/// </summary>
internal static class DesignSamples
{
    private static readonly ConcurrentDictionary<double, Lazy<Task<string>>> Plates = new();
    private static readonly Lazy<Task<byte[]>> Report = new(MakeReportAsync);

    /// <summary>The OpenSCAD source of the plate: outer radius 60 mm, the given wall thickness.</summary>
    public static string PlateScad(double thickness) => FormattableString.Invariant($$"""
        difference() {
          intersection() { sphere(r=60, $fn=40); translate([0,0,40]) cylinder(r=30, h=30, $fn=40); }
          sphere(r={{60 - thickness}}, $fn=40);
          for (a=[0:90:270]) rotate([0,0,a]) translate([20,0,40]) cylinder(r=1.5, h=30, $fn=12);
        }
        """);

    /// <summary>The path of a binary STL of the plate (OpenSCAD's export).</summary>
    public static Task<string> PlateAsync(double thickness = 2) => Plates.GetOrAdd(thickness, t => new Lazy<Task<string>>(() => MakePlateAsync(t))).Value;

    public static async Task<byte[]> PlateBytesAsync(double thickness = 2) => await File.ReadAllBytesAsync(await PlateAsync(thickness));

    public static Task<byte[]> ReportPdfAsync() => Report.Value;

    /// <summary>ADMesh's facet count for a file (the oracle for what the upload's report says).</summary>
    public static async Task<int> AdmeshFacetsAsync(string path)
    {
        var result = await ProcessRunner.RunAsync("admesh", [path]);
        Assert.True(result.ExitCode == 0, result.StandardError);
        var line = result.StandardOutput.Split('\n').First(l => l.StartsWith("Number of facets", StringComparison.Ordinal));
        return int.Parse(line.Split(':')[1].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<string> MakePlateAsync(double thickness)
    {
        var folder = Directory.CreateTempSubdirectory("trabecula-plate-").FullName;
        var scad = Path.Combine(folder, "plate.scad");
        var stl = Path.Combine(folder, "plate.stl");
        await File.WriteAllTextAsync(scad, PlateScad(thickness));
        var made = await ProcessRunner.RunAsync("openscad", ["-o", stl, "--export-format", "binstl", scad], timeout: TimeSpan.FromMinutes(2));
        if (made.ExitCode != 0)
        {
            throw new InvalidOperationException("openscad failed (installed?): " + made.StandardError);
        }

        return stl;
    }

    private static async Task<byte[]> MakeReportAsync()
    {
        var folder = Directory.CreateTempSubdirectory("trabecula-report-").FullName;
        var html = Path.Combine(folder, "report.html");
        var pdf = Path.Combine(folder, "report.pdf");
        await File.WriteAllTextAsync(html, "<h1>Design report</h1><p>Cranial plate, 2 mm wall, four fixation holes.</p>");
        var made = await ProcessRunner.RunAsync("/usr/bin/chromium",
            ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
             "--no-pdf-header-footer", $"--user-data-dir={Path.Combine(folder, "profile")}", $"--print-to-pdf={pdf}", new Uri(html).AbsoluteUri],
            timeout: TimeSpan.FromMinutes(2));
        if (!File.Exists(pdf))
        {
            throw new InvalidOperationException("chromium --print-to-pdf failed: " + made.StandardError);
        }

        return await File.ReadAllBytesAsync(pdf);
    }
}
