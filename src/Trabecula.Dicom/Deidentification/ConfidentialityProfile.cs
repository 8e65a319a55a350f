using System.Globalization;
using System.Reflection;

namespace Trabecula.Dicom.Deidentification;

/// <summary>
/// Table E.1-1 loaded from the embedded basic-profile.csv (written by tools/transcribe-basic-profile.py),
/// and the rule that turns a row plus the enabled options into one action.
/// </summary>
internal sealed class ConfidentialityProfile
{
    private const string ResourceName = "Trabecula.Dicom.Deidentification.basic-profile.csv";
    private static readonly Lazy<ConfidentialityProfile> Embedded = new(LoadEmbedded);

    private readonly Dictionary<uint, ProfileRow> _exact;
    private readonly ProfileRow[] _masked;

    private ConfidentialityProfile(IReadOnlyList<ProfileRow> rows, ProfileRow privateRow)
    {
        Rows = rows;
        PrivateRow = privateRow;
        _exact = rows.Where(r => r.Mask == uint.MaxValue).ToDictionary(r => r.Tag);
        _masked = rows.Where(r => r.Mask != uint.MaxValue).ToArray();
    }

    public static ConfidentialityProfile Default => Embedded.Value;

    /// <summary>Rows for public attributes (the private-attributes row is <see cref="PrivateRow"/>).</summary>
    public IReadOnlyList<ProfileRow> Rows { get; }

    public ProfileRow PrivateRow { get; }

    public ProfileRow? Find(DicomTag tag)
    {
        if (_exact.TryGetValue(tag.Value, out var row))
        {
            return row;
        }

        foreach (var masked in _masked)
        {
            if (masked.Matches(tag))
            {
                return masked;
            }
        }

        return null;
    }

    /// <summary>
    /// The action for <paramref name="row"/>: an enabled option that names an action wins over the
    /// basic profile, keeping (K) before cleaning (C) before removing (X).
    /// </summary>
    public static ProfileAction Resolve(ProfileRow row, IReadOnlySet<ProfileOption> enabled)
    {
        var optionActions = row.Options.Where(o => enabled.Contains(o.Key)).Select(o => o.Value).ToList();
        if (optionActions.Contains("K"))
        {
            return ProfileAction.Keep;
        }

        if (optionActions.Contains("C"))
        {
            return ProfileAction.Clean;
        }

        if (optionActions.Contains("X"))
        {
            return ProfileAction.Remove;
        }

        return row.Basic switch
        {
            "X" => ProfileAction.Remove,
            "Z" or "X/Z" or "Z/D" or "X/Z/D" => ProfileAction.Empty,
            "D" or "X/D" => ProfileAction.Dummy,
            "U" or "X/Z/U*" => ProfileAction.ReplaceUid,
            "C" => ProfileAction.Clean,
            "K" => ProfileAction.Keep,
            _ => throw new InvalidDataException($"Unknown basic profile action '{row.Basic}'."),
        };
    }

    internal static ConfidentialityProfile Load(TextReader reader)
    {
        var rows = new List<ProfileRow>();
        ProfileRow? privateRow = null;
        string[]? header = null;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var cols = SplitCsv(line);
            if (header is null)
            {
                header = cols;
                continue;
            }

            var options = new Dictionary<ProfileOption, string>();
            for (var i = 3; i < cols.Length; i++)
            {
                if (cols[i].Length > 0)
                {
                    options[Enum.Parse<ProfileOption>(header[i], ignoreCase: true)] = cols[i];
                }
            }

            if (cols[0] == "ggggeeee")
            {
                privateRow = new ProfileRow(0, 0, cols[1], cols[2], options);
                continue;
            }

            uint value = 0, mask = 0;
            foreach (var c in cols[0])
            {
                value <<= 4;
                mask <<= 4;
                if (c != 'x')
                {
                    value |= uint.Parse(c.ToString(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                    mask |= 0xF;
                }
            }

            rows.Add(new ProfileRow(value, mask, cols[1], cols[2], options));
        }

        return new ConfidentialityProfile(rows, privateRow ?? throw new InvalidDataException("The profile has no private attributes row."));
    }

    private static string[] SplitCsv(string line)
    {
        var cols = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                cols.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        cols.Add(current.ToString());
        return [.. cols];
    }

    private static ConfidentialityProfile LoadEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing.");
        using var reader = new StreamReader(stream);
        return Load(reader);
    }
}
