using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using Trabecula.Dicom.Text;

namespace Trabecula.Dicom;

/// <summary>
/// A data set: elements ordered by tag. Used for the top-level data set, the file meta information
/// and the items of sequences; an item inherits the Specific Character Set of the data set that
/// holds its sequence unless it has its own.
/// </summary>
public sealed class DicomDataset : IEnumerable<DicomElement>
{
    private readonly SortedList<DicomTag, DicomElement> _elements = [];
    private DicomCharacterSet? _characterSet;

    /// <summary>Creates an empty data set.</summary>
    public DicomDataset()
    {
    }

    /// <summary>Number of elements at this level.</summary>
    public int Count => _elements.Count;

    /// <summary>The data set holding the sequence this item belongs to; null at the top.</summary>
    public DicomDataset? Parent { get; internal set; }

    /// <summary>True for a sequence item read with an undefined length; the writer keeps that.</summary>
    public bool HasUndefinedLength { get; set; }

    /// <summary>The element with <paramref name="tag"/>, or null.</summary>
    public DicomElement? this[DicomTag tag] => _elements.GetValueOrDefault(tag);

    /// <summary>The elements in tag order.</summary>
    public IEnumerator<DicomElement> GetEnumerator() => _elements.Values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>True when the data set holds <paramref name="tag"/>.</summary>
    public bool Contains(DicomTag tag) => _elements.ContainsKey(tag);

    /// <summary>Gets the element with <paramref name="tag"/>.</summary>
    public bool TryGetElement(DicomTag tag, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DicomElement? element) =>
        _elements.TryGetValue(tag, out element);

    /// <summary>Adds <paramref name="element"/>, replacing an element with the same tag.</summary>
    public void AddOrUpdate(DicomElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        if (element is DicomSequence sequence)
        {
            sequence.ParentDataset = this;
        }

        if (element.Tag == DicomTag.SpecificCharacterSet)
        {
            InvalidateCharacterSet();
        }

        _elements[element.Tag] = element;
    }

    /// <summary>
    /// Sets a string value (several values joined with a backslash), encoded in this data set's
    /// character set. When that set cannot hold the text, the data set's text is moved to UTF-8
    /// (ISO_IR 192) first, so no character is lost.
    /// </summary>
    public void AddOrUpdate(DicomTag tag, DicomVR vr, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!CharacterSet.TryEncode(value, vr, out var bytes))
        {
            ConvertTextToUtf8();
            bytes = Encodings.Utf8.GetBytes(value);
        }

        AddOrUpdate(new DicomElement(tag, vr, Pad(bytes, vr)));
    }

    /// <summary>Sets an unsigned short (US) value.</summary>
    public void AddOrUpdate(DicomTag tag, ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        AddOrUpdate(new DicomElement(tag, DicomVR.US, bytes));
    }

    /// <summary>Removes the element with <paramref name="tag"/>; false when there was none.</summary>
    public bool Remove(DicomTag tag)
    {
        if (tag == DicomTag.SpecificCharacterSet)
        {
            InvalidateCharacterSet();
        }

        return _elements.Remove(tag);
    }

    /// <summary>Removes every element for which <paramref name="predicate"/> is true; returns how many.</summary>
    public int RemoveAll(Func<DicomElement, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var doomed = _elements.Values.Where(predicate).Select(e => e.Tag).ToList();
        foreach (var tag in doomed)
        {
            Remove(tag);
        }

        return doomed.Count;
    }

    /// <summary>
    /// The whole value of a string element, decoded with the character set and without trailing
    /// padding (spaces, and NUL for UI); null when absent or not a string VR.
    /// </summary>
    public string? GetString(DicomTag tag)
    {
        if (!_elements.TryGetValue(tag, out var element) || !DicomVRInfo.IsString(element.VR))
        {
            return null;
        }

        var text = CharacterSet.Decode(element.Value.Span, element.VR);
        return element.VR == DicomVR.UI ? text.TrimEnd('\0', ' ') : text.TrimEnd(' ', '\0');
    }

    /// <summary>The values of a multi-valued string element (split at backslashes), each trimmed.</summary>
    public IReadOnlyList<string> GetStrings(DicomTag tag)
    {
        var whole = GetString(tag);
        if (whole is null)
        {
            return [];
        }

        var vr = _elements[tag].VR;
        return DicomVRInfo.IsSingleValuedText(vr) ? [whole] : whole.Split('\\').Select(v => v.Trim(' ', '\0')).ToArray();
    }

    /// <summary>
    /// Value number <paramref name="index"/> as a number: DS and IS are parsed culture-invariantly,
    /// binary VRs (US, SS, UL, SL, FL, FD, SV, UV) are read little endian.
    /// </summary>
    public bool TryGetDouble(DicomTag tag, int index, out double value)
    {
        value = 0;
        if (!_elements.TryGetValue(tag, out var element) || index < 0)
        {
            return false;
        }

        if (element.VR is DicomVR.DS or DicomVR.IS)
        {
            var values = GetStrings(tag);
            return index < values.Count && double.TryParse(values[index], NumberStyles.Float, CultureInfo.InvariantCulture, out value)
                && double.IsFinite(value);
        }

        var unit = DicomVRInfo.SwapUnit(element.VR);
        var span = element.Value.Span;
        if (unit == 1 || (index + 1) * unit > span.Length)
        {
            return false;
        }

        var at = span.Slice(index * unit, unit);
        value = element.VR switch
        {
            DicomVR.US => BinaryPrimitives.ReadUInt16LittleEndian(at),
            DicomVR.SS => BinaryPrimitives.ReadInt16LittleEndian(at),
            DicomVR.UL => BinaryPrimitives.ReadUInt32LittleEndian(at),
            DicomVR.SL => BinaryPrimitives.ReadInt32LittleEndian(at),
            DicomVR.FL => BinaryPrimitives.ReadSingleLittleEndian(at),
            DicomVR.FD => BinaryPrimitives.ReadDoubleLittleEndian(at),
            DicomVR.SV => BinaryPrimitives.ReadInt64LittleEndian(at),
            DicomVR.UV => BinaryPrimitives.ReadUInt64LittleEndian(at),
            _ => double.NaN,
        };
        return !double.IsNaN(value);
    }

    /// <summary>The sequence with <paramref name="tag"/>, or null.</summary>
    public DicomSequence? GetSequence(DicomTag tag) => this[tag] as DicomSequence;

    /// <summary>
    /// The private creator that reserves the block of a private element, for example "GEMS_IDEN_01"
    /// for (0009,1001) when (0009,0010) holds it; null for public tags or a missing creator.
    /// </summary>
    public string? GetPrivateCreator(DicomTag tag)
    {
        if (!tag.IsPrivate || tag.IsPrivateCreator || tag.Element < 0x1000)
        {
            return null;
        }

        return GetString(new DicomTag(tag.Group, (ushort)(tag.Element >> 8)));
    }

    /// <summary>The character set in force here: this data set's (0008,0005), else the parent's.</summary>
    internal DicomCharacterSet CharacterSet
    {
        get
        {
            if (_characterSet is not null)
            {
                return _characterSet;
            }

            if (_elements.TryGetValue(DicomTag.SpecificCharacterSet, out var element))
            {
                var terms = Encodings.Latin1.GetString(element.Value.Span).TrimEnd(' ', '\0').Split('\\');
                try
                {
                    _characterSet = DicomCharacterSet.FromTerms(terms);
                }
                catch (NotSupportedException)
                {
                    // An unknown term must not make the whole file unreadable: bytes stay intact
                    // and text is shown as Latin-1.
                    _characterSet = DicomCharacterSet.Default;
                }

                return _characterSet;
            }

            return Parent?.CharacterSet ?? DicomCharacterSet.Default;
        }
    }

    internal static byte[] Pad(byte[] bytes, DicomVR vr)
    {
        if (bytes.Length % 2 == 0)
        {
            return bytes;
        }

        var padded = new byte[bytes.Length + 1];
        bytes.CopyTo(padded, 0);
        padded[^1] = DicomVRInfo.PaddingByte(vr);
        return padded;
    }

    private void InvalidateCharacterSet() => _characterSet = null;

    /// <summary>Re-encodes every text element here and in nested items as UTF-8 and sets ISO_IR 192.</summary>
    private void ConvertTextToUtf8()
    {
        var root = this;
        while (root.Parent is not null)
        {
            root = root.Parent;
        }

        root.Transcode();
        root._elements[DicomTag.SpecificCharacterSet] = new DicomElement(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192"u8.ToArray());
        root.InvalidateCharacterSetDeep();
    }

    private void Transcode()
    {
        var source = CharacterSet;
        foreach (var element in _elements.Values.ToList())
        {
            if (element is DicomSequence sequence)
            {
                foreach (var item in sequence.Items)
                {
                    item.Transcode();
                }
            }
            else if (DicomVRInfo.UsesCharacterSet(element.VR))
            {
                var text = source.Decode(element.Value.Span, element.VR);
                _elements[element.Tag] = new DicomElement(element.Tag, element.VR, Pad(Encodings.Utf8.GetBytes(text.TrimEnd(' ')), element.VR));
            }
        }

        if (Parent is not null)
        {
            _elements.Remove(DicomTag.SpecificCharacterSet);
        }
    }

    private void InvalidateCharacterSetDeep()
    {
        InvalidateCharacterSet();
        foreach (var sequence in _elements.Values.OfType<DicomSequence>())
        {
            foreach (var item in sequence.Items)
            {
                item.InvalidateCharacterSetDeep();
            }
        }
    }
}
