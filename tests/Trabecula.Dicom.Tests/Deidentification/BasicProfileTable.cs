using Trabecula.Dicom.Tests.TestSupport;

namespace Trabecula.Dicom.Tests.Deidentification;

/// <summary>The committed basic-profile.csv read independently of the library, for table-driven tests.</summary>
internal static class BasicProfileTable
{
    public static string CsvPath => Path.Combine(RepositoryPaths.LibrarySource, "Deidentification", "basic-profile.csv");

    public static IReadOnlyList<(string Tag, string Name, string Basic, Dictionary<string, string> Options)> Rows()
    {
        var lines = File.ReadAllLines(CsvPath).Where(l => !l.StartsWith('#')).ToList();
        var header = lines[0].Split(',');
        var rows = new List<(string, string, string, Dictionary<string, string>)>();
        foreach (var line in lines.Skip(1))
        {
            var cols = line.Split(',');
            var options = new Dictionary<string, string>();
            for (var i = 3; i < cols.Length; i++)
            {
                if (cols[i].Length > 0)
                {
                    options[header[i]] = cols[i];
                }
            }

            rows.Add((cols[0], cols[1], cols[2], options));
        }

        return rows;
    }
}
