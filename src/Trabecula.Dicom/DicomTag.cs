using System.Globalization;

namespace Trabecula.Dicom;

/// <summary>
/// A DICOM data element tag: a (group, element) pair as defined in PS3.5 section 7.1.
/// Ordering follows the tag value, which is the order elements must appear in a data set.
/// </summary>
public readonly record struct DicomTag(ushort Group, ushort Element) : IComparable<DicomTag>
{
    /// <summary>(0002,0010) Transfer Syntax UID.</summary>
    public static readonly DicomTag TransferSyntaxUid = new(0x0002, 0x0010);

    /// <summary>(0008,0005) Specific Character Set.</summary>
    public static readonly DicomTag SpecificCharacterSet = new(0x0008, 0x0005);

    /// <summary>(0010,0010) Patient's Name.</summary>
    public static readonly DicomTag PatientName = new(0x0010, 0x0010);

    /// <summary>(7FE0,0010) Pixel Data.</summary>
    public static readonly DicomTag PixelData = new(0x7FE0, 0x0010);

    /// <summary>(FFFE,E000) Item.</summary>
    public static readonly DicomTag Item = new(0xFFFE, 0xE000);

    /// <summary>The tag as one 32-bit value, group in the high half.</summary>
    public uint Value => ((uint)Group << 16) | Element;

    /// <summary>True for tags of odd groups, which PS3.5 section 7.8 reserves for private data.</summary>
    public bool IsPrivate => (Group & 1) == 1 && Group > 0x0008;

    /// <summary>True for a private creator element, (gggg,0010) to (gggg,00FF) of a private group.</summary>
    public bool IsPrivateCreator => IsPrivate && Element is >= 0x0010 and <= 0x00FF;

    /// <summary>True for the file meta information group (0002), which is always Explicit VR Little Endian.</summary>
    public bool IsFileMeta => Group == 0x0002;

    /// <summary>Creates a tag from its 32-bit value.</summary>
    public static DicomTag FromValue(uint value) => new((ushort)(value >> 16), (ushort)value);

    /// <summary>
    /// Parses "(gggg,eeee)", "gggg,eeee" or "ggggeeee" (hexadecimal, either case).
    /// </summary>
    /// <exception cref="FormatException">The text is not a tag in one of those forms.</exception>
    public static DicomTag Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var tag)
            ? tag
            : throw new FormatException($"'{text}' is not a DICOM tag; expected (gggg,eeee) in hexadecimal.");
    }

    /// <summary>Parses a tag without throwing; see <see cref="Parse"/> for the accepted forms.</summary>
    public static bool TryParse(string? text, out DicomTag tag)
    {
        tag = default;
        if (text is null)
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        if (span.Length > 2 && span[0] == '(' && span[^1] == ')')
        {
            span = span[1..^1];
        }

        ReadOnlySpan<char> group, element;
        var comma = span.IndexOf(',');
        if (comma >= 0)
        {
            group = span[..comma].Trim();
            element = span[(comma + 1)..].Trim();
        }
        else if (span.Length == 8)
        {
            group = span[..4];
            element = span[4..];
        }
        else
        {
            return false;
        }

        if (group.Length != 4 || element.Length != 4
            || !ushort.TryParse(group, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var g)
            || !ushort.TryParse(element, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var e))
        {
            return false;
        }

        tag = new DicomTag(g, e);
        return true;
    }

    /// <inheritdoc />
    public int CompareTo(DicomTag other) => Value.CompareTo(other.Value);

    /// <summary>Orders tags by value.</summary>
    public static bool operator <(DicomTag left, DicomTag right) => left.Value < right.Value;

    /// <summary>Orders tags by value.</summary>
    public static bool operator >(DicomTag left, DicomTag right) => left.Value > right.Value;

    /// <summary>Orders tags by value.</summary>
    public static bool operator <=(DicomTag left, DicomTag right) => left.Value <= right.Value;

    /// <summary>Orders tags by value.</summary>
    public static bool operator >=(DicomTag left, DicomTag right) => left.Value >= right.Value;

    /// <summary>The conventional form, for example "(0010,0010)".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"({Group:X4},{Element:X4})");
}
