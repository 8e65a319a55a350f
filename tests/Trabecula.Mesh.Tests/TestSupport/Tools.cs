using System.Diagnostics;
using System.Globalization;

namespace Trabecula.Mesh.Tests.TestSupport;

/// <summary>
/// Runs the outside tools that make and check test meshes (OpenSCAD, ADMesh). A missing tool fails
/// the test: CI installs them (.ci/run).
/// </summary>
internal static class Tools
{
    public static string Run(string tool, string workingDirectory, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException(tool + " did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(tool + " is not installed (apt-get install " + tool + ").", e);
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            var err = stderr.GetAwaiter().GetResult();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{tool} exited with {process.ExitCode}: {err}"));
            }

            return stdout + err;
        }
    }

    /// <summary>Renders <paramref name="scad"/> with OpenSCAD to <paramref name="fileName"/> in <paramref name="dir"/>.</summary>
    public static string OpenScad(TempDir dir, string scad, string fileName, string? exportFormat = null)
    {
        var source = dir.Combine(Path.GetFileNameWithoutExtension(fileName) + ".scad");
        File.WriteAllText(source, scad);
        var output = dir.Combine(fileName);
        if (exportFormat is null)
        {
            Run("openscad", dir.Path, "-o", output, source);
        }
        else
        {
            Run("openscad", dir.Path, "--export-format", exportFormat, "-o", output, source);
        }

        return output;
    }

    /// <summary>ADMesh's check of an STL: facet count, volume, parts, bounding box.</summary>
    public static AdmeshResult Admesh(string stlPath)
    {
        // Without options ADMesh checks and also counts parts (with --exact it reports 0 parts);
        // for the closed meshes compared here it has nothing to repair.
        var output = Run("admesh", Path.GetDirectoryName(stlPath)!, stlPath);
        double Value(string label)
        {
            var line = output.Split('\n').First(l => l.Contains(label, StringComparison.Ordinal));
            var after = line[(line.IndexOf(label, StringComparison.Ordinal) + label.Length)..];
            var token = after.TrimStart(' ', ':', '=').Split(' ', StringSplitOptions.RemoveEmptyEntries)[0].TrimEnd(',');
            return double.Parse(token, CultureInfo.InvariantCulture);
        }

        return new AdmeshResult(
            (int)Value("Number of facets"),
            Value("Volume"),
            (int)Value("Number of parts"),
            Value("Min X"),
            Value("Max X"),
            Value("Min Z"),
            Value("Max Z"));
    }
}

internal sealed record AdmeshResult(int Facets, double Volume, int Parts, double MinX, double MaxX, double MinZ, double MaxZ);

/// <summary>A temporary folder deleted with the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "trabecula-mesh-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
