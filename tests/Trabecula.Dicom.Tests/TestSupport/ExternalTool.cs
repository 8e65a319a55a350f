using System.Diagnostics;

namespace Trabecula.Dicom.Tests.TestSupport;

/// <summary>
/// Runs an outside program (dcmtk, dicom3tools, Debian's python3 with pydicom). A missing tool fails
/// the test with the package to install: CI forbids skipped tests (.ci/run installs them).
/// </summary>
internal static class ExternalTool
{
    public const string Python = "/usr/bin/python3";

    public static (int ExitCode, string StdOut, string StdErr) Run(string program, params string[] arguments)
    {
        var path = Resolve(program);
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + path);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr);
    }

    public static string RunChecked(string program, params string[] arguments)
    {
        var (code, stdout, stderr) = Run(program, arguments);
        Assert.True(code == 0, $"{program} {string.Join(' ', arguments)} exited {code}: {stderr}{stdout}");
        return stdout;
    }

    public static string Resolve(string program)
    {
        if (Path.IsPathRooted(program))
        {
            Assert.True(File.Exists(program), $"{program} is missing: install the Debian package that provides it (see .ci/run).");
            return program;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            var candidate = Path.Combine(dir, program);
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail($"'{program}' is not installed: install it (dcmtk, dicom3tools, python3-pydicom; see .ci/run). Tests do not skip.");
        return program;
    }
}
