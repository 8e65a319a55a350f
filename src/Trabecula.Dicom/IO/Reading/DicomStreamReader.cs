using System.Buffers.Binary;
using System.Text;
using Trabecula.Dicom.Dictionary;

namespace Trabecula.Dicom.IO.Reading;

/// <summary>
/// Parses data elements from a <see cref="ByteSource"/> and raises events to an observer
/// (PS3.5 section 7: element encoding, 7.5 nesting, A.4 encapsulation). It never allocates more
/// than the bytes present, bounds nesting and the element count, and reports every problem as a
/// <see cref="DicomFormatException"/> carrying the offset and element path.
/// </summary>
internal sealed class DicomStreamReader : IDisposable
{
    private const uint UndefinedLength = 0xFFFF_FFFF;
    private const int MaxSupportedDepth = 1000;
    private static readonly DicomTag ItemDelimitation = new(0xFFFE, 0xE00D);
    private static readonly DicomTag SequenceDelimitation = new(0xFFFE, 0xE0DD);

    private readonly DicomReadOptions _options;
    private DicomDictionary? _dictionary;
    private readonly List<(DicomTag Tag, int Item)> _path = [];
    private DicomTag? _current;
    private long _elementCount;

    /// <param name="stream">The input.</param>
    /// <param name="options">Limits and choices.</param>
    /// <param name="dictionary">For implicit VR; null: the embedded one, loaded at the first implicit-VR element (explicit-VR files never pay for parsing it).</param>
    public DicomStreamReader(Stream stream, DicomReadOptions options, DicomDictionary? dictionary)
    {
        _options = options;
        _dictionary = dictionary;
        Source = new ByteSource(stream, Fail);
    }

    public ByteSource Source { get; }

    public IDicomReaderObserver Observer { get; set; } = null!;

    /// <summary>Elements, items and fragments read so far.</summary>
    public long ElementCount => _elementCount;

    /// <summary>
    /// Reads top-level elements until the end of data or until <paramref name="stopBefore"/> is true
    /// for the next tag, which is then left unread. Returns true when stopped early.
    /// </summary>
    public bool ReadDataset(bool explicitVr, bool bigEndian, Func<DicomTag, bool>? stopBefore) =>
        ReadElements(explicitVr, bigEndian, end: -1, depth: 0, stopBefore);

    /// <summary>The path of the element being read, for example "(0040,0275)[0]/(0008,1150)".</summary>
    public string CurrentPath
    {
        get
        {
            var text = new StringBuilder();
            foreach (var (tag, item) in _path)
            {
                text.Append(tag.ToString()).Append('[').Append(item.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("]/");
            }

            if (_current is { } current)
            {
                text.Append(current.ToString());
            }
            else if (text.Length > 0)
            {
                text.Length--;
            }

            return text.ToString();
        }
    }

    public void Dispose() => Source.Dispose();

    public DicomFormatException Fail(string message) => new(message, Source?.Position ?? 0, CurrentPath);

    private bool ReadElements(bool explicitVr, bool bigEndian, long end, int depth, Func<DicomTag, bool>? stopBefore)
    {
        while (true)
        {
            _current = null;
            if (end >= 0)
            {
                if (Source.Position == end)
                {
                    return false;
                }

                if (Source.Position > end)
                {
                    throw Fail("An element runs past the end of its item.");
                }
            }

            var head = Source.Peek(4);
            if (head.Length < 4)
            {
                if (head.IsEmpty && depth == 0 && end < 0)
                {
                    return false;
                }

                throw Fail(depth == 0 ? "Unexpected end of data inside an element tag." : "Unexpected end of data inside an item.");
            }

            var tag = bigEndian
                ? new DicomTag(BinaryPrimitives.ReadUInt16BigEndian(head), BinaryPrimitives.ReadUInt16BigEndian(head[2..]))
                : new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(head), BinaryPrimitives.ReadUInt16LittleEndian(head[2..]));
            if (depth == 0 && stopBefore is not null && stopBefore(tag))
            {
                return true;
            }

            var offset = Source.Position;
            Source.Skip(4);
            _current = tag;
            if (tag == ItemDelimitation)
            {
                Source.ReadUInt32(bigEndian);
                if (end < 0 && depth > 0)
                {
                    _current = null;
                    return false;
                }

                throw Fail("Item delimitation outside an undefined-length item.");
            }

            if (tag.Group == 0xFFFE)
            {
                throw Fail(FormattableString.Invariant($"Unexpected delimiter {tag} in a data set."));
            }

            CountElement();
            DicomVR vr;
            uint length;
            if (explicitVr)
            {
                var vrBytes = Source.Peek(2);
                if (vrBytes.Length < 2)
                {
                    throw Fail("Unexpected end of data inside an element header.");
                }

                if (!DicomVRInfo.TryParse(vrBytes[0], vrBytes[1], out vr))
                {
                    throw Fail(FormattableString.Invariant($"Invalid VR bytes 0x{vrBytes[0]:X2}{vrBytes[1]:X2}."));
                }

                Source.Skip(2);
                if (DicomVRInfo.HasLongLength(vr))
                {
                    Source.Skip(2);
                    length = Source.ReadUInt32(bigEndian);
                }
                else
                {
                    length = Source.ReadUInt16(bigEndian);
                }
            }
            else
            {
                length = Source.ReadUInt32(bigEndian);
                vr = (_dictionary ??= DicomDictionary.Default).GetImplicitVR(tag);
            }

            if (vr == DicomVR.SQ || (length == UndefinedLength && vr == DicomVR.UN))
            {
                // An undefined-length UN holds a sequence in Implicit VR Little Endian (PS3.5 6.2.2).
                var asUnknown = vr == DicomVR.UN;
                ReadSequence(tag, vr, length, offset, asUnknown ? false : explicitVr, !asUnknown && bigEndian, end, depth + 1);
            }
            else if (length == UndefinedLength)
            {
                if (vr is not (DicomVR.OB or DicomVR.OW))
                {
                    throw Fail(FormattableString.Invariant($"Undefined length is not allowed for VR {DicomVRInfo.ToCode(vr)}."));
                }

                ReadFragments(tag, vr, offset, bigEndian, end);
            }
            else
            {
                CheckFits(length, end);
                var value = Source.ReadValue(length);
                if (bigEndian)
                {
                    ByteSwap.ToLittleEndian(value.Span, vr);
                }

                Observer.OnElement(tag, vr, offset, value);
            }
        }
    }

    private void ReadSequence(DicomTag tag, DicomVR vr, uint length, long offset, bool explicitVr, bool bigEndian, long parentEnd, int depth)
    {
        if (depth > Math.Min(_options.MaxDepth, MaxSupportedDepth))
        {
            throw Fail(FormattableString.Invariant($"Sequences nest deeper than {Math.Min(_options.MaxDepth, MaxSupportedDepth)} levels."));
        }

        long end = -1;
        if (length != UndefinedLength)
        {
            CheckFits(length, parentEnd);
            end = Source.Position + length;
        }

        Observer.OnBeginSequence(tag, vr, offset, length == UndefinedLength);
        _path.Add((tag, 0));
        var index = 0;
        while (true)
        {
            _current = null;
            if (end >= 0 && Source.Position >= end)
            {
                if (Source.Position > end)
                {
                    throw Fail("An item runs past the end of its sequence.");
                }

                break;
            }

            _path[^1] = (tag, index);
            var itemOffset = Source.Position;
            var itemTag = Source.ReadTag(bigEndian);
            var itemLength = Source.ReadUInt32(bigEndian);
            if (itemTag == SequenceDelimitation)
            {
                if (end < 0)
                {
                    break;
                }

                throw Fail("Sequence delimitation inside a defined-length sequence.");
            }

            if (itemTag != DicomTag.Item)
            {
                throw Fail(FormattableString.Invariant($"Expected an item tag (FFFE,E000) in a sequence, found {itemTag}."));
            }

            CountElement();
            long itemEnd = -1;
            if (itemLength != UndefinedLength)
            {
                CheckFits(itemLength, end);
                itemEnd = Source.Position + itemLength;
            }

            Observer.OnBeginItem(itemOffset, itemLength == UndefinedLength);
            ReadElements(explicitVr, bigEndian, itemEnd, depth, null);
            Observer.OnEndItem();
            index++;
        }

        _path.RemoveAt(_path.Count - 1);
        _current = null;
        Observer.OnEndSequence();
    }

    private void ReadFragments(DicomTag tag, DicomVR vr, long offset, bool bigEndian, long parentEnd)
    {
        Observer.OnBeginFragments(tag, vr, offset);
        while (true)
        {
            var itemOffset = Source.Position;
            var itemTag = Source.ReadTag(bigEndian);
            var itemLength = Source.ReadUInt32(bigEndian);
            if (itemTag == SequenceDelimitation)
            {
                break;
            }

            if (itemTag != DicomTag.Item || itemLength == UndefinedLength)
            {
                throw Fail(FormattableString.Invariant($"Expected a defined-length fragment item in encapsulated data, found {itemTag}."));
            }

            CountElement();
            CheckFits(itemLength, parentEnd);
            Observer.OnFragment(itemOffset, Source.ReadValue(itemLength));
        }

        Observer.OnEndFragments();
    }

    private void CheckFits(uint length, long end)
    {
        if (end >= 0 && Source.Position + length > end)
        {
            throw Fail(FormattableString.Invariant($"Length {length} runs past the end of the enclosing item."));
        }

        if (Source.Remaining is { } remaining && length > remaining)
        {
            throw Fail(FormattableString.Invariant($"Length {length} exceeds the {remaining} bytes left."));
        }
    }

    private void CountElement()
    {
        if (++_elementCount > _options.MaxElementCount)
        {
            throw Fail(FormattableString.Invariant($"More than {_options.MaxElementCount} elements."));
        }
    }
}
