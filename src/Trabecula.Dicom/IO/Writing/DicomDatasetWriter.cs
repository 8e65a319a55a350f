using System.Buffers.Binary;
using Trabecula.Dicom.IO.Reading;

namespace Trabecula.Dicom.IO.Writing;

/// <summary>
/// Encodes a data set in one of the native encodings (PS3.5 section 7). Defined lengths of
/// sequences and items are computed from their content; group length elements (gggg,0000) that are
/// present are recomputed so edits cannot leave them stale.
/// </summary>
internal sealed class DicomDatasetWriter
{
    private const uint Undefined = 0xFFFF_FFFF;
    private static readonly DicomTag ItemDelimitation = new(0xFFFE, 0xE00D);
    private static readonly DicomTag SequenceDelimitation = new(0xFFFE, 0xE0DD);

    private readonly Stream _output;
    private readonly bool _explicitVr;
    private readonly bool _bigEndian;

    public DicomDatasetWriter(Stream output, bool explicitVr, bool bigEndian)
    {
        _output = output;
        _explicitVr = explicitVr;
        _bigEndian = bigEndian;
    }

    public void Write(DicomDataset dataset)
    {
        foreach (var element in dataset)
        {
            WriteElement(element, dataset);
        }
    }

    /// <summary>Bytes <paramref name="element"/> takes when encoded, header included.</summary>
    public static long EncodedLength(DicomElement element, bool explicitVr)
    {
        var header = HeaderLength(explicitVr, element);
        switch (element)
        {
            case DicomSequence sequence:
                var itemsExplicit = explicitVr && !sequence.EncodedAsUnknown;
                return header + SequenceContentLength(sequence, itemsExplicit) + (sequence.HasUndefinedLength ? 8 : 0);
            case DicomFragmentSequence fragments:
                return header + 8 + Even(fragments.OffsetTable.Length) + fragments.Fragments.Sum(f => 8L + Even(f.Length)) + 8;
            default:
                return header + Even(element.Value.Length);
        }
    }

    private static long SequenceContentLength(DicomSequence sequence, bool explicitVr) =>
        sequence.Items.Sum(item => 8 + DatasetLength(item, explicitVr) + (item.HasUndefinedLength ? 8 : 0));

    private static long DatasetLength(DicomDataset dataset, bool explicitVr) => dataset.Sum(e => EncodedLength(e, explicitVr));

    private static int HeaderLength(bool explicitVr, DicomElement element)
    {
        if (!explicitVr)
        {
            return 8;
        }

        var written = WrittenVR(element);
        return DicomVRInfo.HasLongLength(written) ? 12 : 8;
    }

    /// <summary>The VR in the header: UN for an undefined-length UN sequence, UN when a short-length value is too long.</summary>
    private static DicomVR WrittenVR(DicomElement element) => element switch
    {
        DicomSequence { EncodedAsUnknown: true } => DicomVR.UN,
        DicomSequence => DicomVR.SQ,
        _ when !DicomVRInfo.HasLongLength(element.VR) && Even(element.Value.Length) > ushort.MaxValue => DicomVR.UN,
        _ => element.VR,
    };

    private static long Even(long length) => length + (length & 1);

    private void WriteElement(DicomElement element, DicomDataset owner)
    {
        switch (element)
        {
            case DicomSequence sequence:
                WriteSequence(sequence);
                return;
            case DicomFragmentSequence fragments:
                WriteHeader(fragments.Tag, fragments.VR, Undefined);
                WriteItem(fragments.OffsetTable.Span);
                foreach (var fragment in fragments.Fragments)
                {
                    WriteItem(fragment.Span);
                }

                WriteTag(SequenceDelimitation);
                WriteUInt32(0);
                return;
        }

        var value = element.Value.Span;
        if (element.Tag.Element == 0 && element.VR == DicomVR.UL && value.Length == 4)
        {
            var groupLength = owner.Where(e => e.Tag.Group == element.Tag.Group && e.Tag.Element != 0).Sum(e => EncodedLength(e, _explicitVr));
            var recomputed = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(recomputed, (uint)groupLength);
            value = recomputed;
        }

        var vr = WrittenVR(element);
        var length = (uint)Even(value.Length);
        WriteHeader(element.Tag, vr, length);
        if (_bigEndian && DicomVRInfo.SwapUnit(element.VR) > 1)
        {
            var copy = value.ToArray();
            ByteSwap.ToLittleEndian(copy, element.VR);
            _output.Write(copy);
        }
        else
        {
            _output.Write(value);
        }

        if ((value.Length & 1) == 1)
        {
            _output.WriteByte(DicomVRInfo.PaddingByte(element.VR));
        }
    }

    private void WriteSequence(DicomSequence sequence)
    {
        var nested = sequence.EncodedAsUnknown && _explicitVr
            ? new DicomDatasetWriter(_output, explicitVr: false, bigEndian: false)
            : this;
        var contentLength = sequence.HasUndefinedLength ? Undefined : (uint)SequenceContentLength(sequence, nested._explicitVr);
        WriteHeader(sequence.Tag, WrittenVR(sequence), contentLength);
        foreach (var item in sequence.Items)
        {
            nested.WriteTag(DicomTag.Item);
            nested.WriteUInt32(item.HasUndefinedLength ? Undefined : (uint)DatasetLength(item, nested._explicitVr));
            nested.Write(item);
            if (item.HasUndefinedLength)
            {
                nested.WriteTag(ItemDelimitation);
                nested.WriteUInt32(0);
            }
        }

        if (sequence.HasUndefinedLength)
        {
            WriteTag(SequenceDelimitation);
            WriteUInt32(0);
        }
    }

    private void WriteItem(ReadOnlySpan<byte> value)
    {
        WriteTag(DicomTag.Item);
        WriteUInt32((uint)Even(value.Length));
        _output.Write(value);
        if ((value.Length & 1) == 1)
        {
            _output.WriteByte(0);
        }
    }

    private void WriteHeader(DicomTag tag, DicomVR vr, uint length)
    {
        WriteTag(tag);
        if (!_explicitVr)
        {
            WriteUInt32(length);
            return;
        }

        Span<byte> code = [(byte)((ushort)vr >> 8), (byte)vr];
        _output.Write(code);
        if (DicomVRInfo.HasLongLength(vr))
        {
            WriteUInt16(0);
            WriteUInt32(length);
        }
        else
        {
            WriteUInt16((ushort)length);
        }
    }

    private void WriteTag(DicomTag tag)
    {
        WriteUInt16(tag.Group);
        WriteUInt16(tag.Element);
    }

    private void WriteUInt16(ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        if (_bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, value); else BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        _output.Write(b);
    }

    private void WriteUInt32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        if (_bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, value); else BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        _output.Write(b);
    }
}
