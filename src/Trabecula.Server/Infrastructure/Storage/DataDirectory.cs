using Microsoft.Extensions.Options;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>The "Data" section: where the platform keeps its database, keys and files.</summary>
public sealed class DataOptions
{
    public const string SectionName = "Data";

    /// <summary>
    /// The data folder. Relative paths are resolved against the current directory, like any
    /// command-line tool; the CLI sets it from --data or TRABECULA_DATA.
    /// </summary>
    public string Directory { get; set; } = "data";
}

/// <summary>The resolved, absolute data folder. Created on first start.</summary>
public sealed class DataDirectory(IOptions<DataOptions> options)
{
    public string Root { get; } = Path.GetFullPath(options.Value.Directory);

    public string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Creates the folder (owner-only on Unix) if it is missing; returns true if it was created.</summary>
    public bool EnsureCreated() => CreateOwnerOnly(Root);

    /// <summary>Creates a sub-folder of the data folder, owner-only on Unix, and returns its path.</summary>
    public string EnsureSubdirectory(params string[] parts)
    {
        var path = Root;
        CreateOwnerOnly(path);
        foreach (var part in parts)
        {
            path = Path.Combine(path, part);
            CreateOwnerOnly(path);
        }

        return path;
    }

    private static bool CreateOwnerOnly(string path)
    {
        if (System.IO.Directory.Exists(path))
        {
            return false;
        }

        // Patient data, keys and the database live below: nobody but the service account reads them.
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
        }
        else
        {
            System.IO.Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return true;
    }
}
