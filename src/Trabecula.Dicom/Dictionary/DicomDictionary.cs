using System.Globalization;
using System.Reflection;

namespace Trabecula.Dicom.Dictionary;

/// <summary>
/// The DICOM data dictionary, generated from dcmtk's dicom.dic by tools/generate-dicom-dictionary.py
/// and embedded as dicom-dictionary.tsv. It is loaded on first use and immutable afterwards.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "\"Data dictionary\" is the DICOM term (PS3.6).")]
public sealed class DicomDictionary
{
    private const string ResourceName = "Trabecula.Dicom.Dictionary.dicom-dictionary.tsv";
    private static readonly Lazy<DicomDictionary> Embedded = new(LoadEmbedded);

    private readonly Dictionary<uint, DicomDictionaryEntry> _byTag;
    private readonly Dictionary<string, DicomDictionaryEntry> _byKeyword;
    private readonly DicomDictionaryEntry[] _ranges;

    private DicomDictionary(IReadOnlyList<DicomDictionaryEntry> entries)
    {
        _byTag = entries.Where(e => e.Mask == uint.MaxValue).ToDictionary(e => e.Tag.Value);
        _ranges = entries.Where(e => e.Mask != uint.MaxValue).ToArray();
        _byKeyword = new Dictionary<string, DicomDictionaryEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            _byKeyword.TryAdd(entry.Keyword, entry);
        }

        Count = entries.Count;
    }

    /// <summary>The dictionary of the standard, embedded in the library.</summary>
    public static DicomDictionary Default => Embedded.Value;

    /// <summary>Number of entries, ranges counted once.</summary>
    public int Count { get; }

    /// <summary>Finds the entry for <paramref name="tag"/>, repeating groups (50xx, 60xx) included.</summary>
    public bool TryGetEntry(DicomTag tag, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DicomDictionaryEntry? entry)
    {
        if (_byTag.TryGetValue(tag.Value, out entry))
        {
            return true;
        }

        if (!tag.IsPrivate)
        {
            foreach (var range in _ranges)
            {
                if (range.Matches(tag))
                {
                    entry = range;
                    return true;
                }
            }
        }

        entry = null;
        return false;
    }

    /// <summary>Finds the tag of <paramref name="keyword"/> (case-sensitive, as in PS3.6).</summary>
    public bool TryGetTag(string keyword, out DicomTag tag)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        if (_byKeyword.TryGetValue(keyword, out var entry))
        {
            tag = entry.Tag;
            return true;
        }

        tag = default;
        return false;
    }

    /// <summary>The keyword of <paramref name="tag"/>, or null when unknown.</summary>
    public string? GetKeyword(DicomTag tag) => TryGetEntry(tag, out var entry) ? entry.Keyword : null;

    /// <summary>
    /// The VR to assume when the encoding does not carry one: group lengths UL, private creators LO,
    /// other private and unknown elements UN.
    /// </summary>
    internal DicomVR GetImplicitVR(DicomTag tag)
    {
        if (tag.Element == 0x0000)
        {
            return DicomVR.UL;
        }

        if (tag.IsPrivateCreator)
        {
            return DicomVR.LO;
        }

        return !tag.IsPrivate && TryGetEntry(tag, out var entry) ? entry.VR : DicomVR.UN;
    }

    /// <summary>Parses the generated TSV format (see the generator's header).</summary>
    internal static DicomDictionary Load(TextReader reader)
    {
        var entries = new List<DicomDictionaryEntry>(5000);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var cols = line.Split('\t');
            if (cols.Length != 5 || cols[0].Length != 8 || !DicomVRInfo.TryParse(cols[1], out var vr))
            {
                throw new InvalidDataException($"Bad dictionary line: '{line}'.");
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

            entries.Add(new DicomDictionaryEntry(DicomTag.FromValue(value), mask, vr, cols[2], cols[3], cols[4] == "1"));
        }

        return new DicomDictionary(entries);
    }

    private static DicomDictionary LoadEmbedded()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing.");
        using var reader = new StreamReader(stream);
        return Load(reader);
    }
}
