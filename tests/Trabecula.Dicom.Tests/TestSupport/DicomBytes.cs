using System.Buffers.Binary;
using System.Text;

namespace Trabecula.Dicom.Tests.TestSupport;

/// <summary>Writes element headers and values byte by byte, to craft valid and hostile inputs.</summary>
internal sealed class DicomBytes(bool explicitVr = true, bool bigEndian = false)
{
    private static readonly string[] LongVRs = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"];
    private readonly List<byte> _bytes = [];

    public DicomBytes Tag(ushort group, ushort element) => UInt16(group).UInt16(element);

    public DicomBytes UInt16(ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, value); else BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        _bytes.AddRange(b);
        return this;
    }

    public DicomBytes UInt32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, value); else BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        _bytes.AddRange(b);
        return this;
    }

    public DicomBytes Raw(ReadOnlySpan<byte> bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    /// <summary>An element header; in implicit VR the VR is not written.</summary>
    public DicomBytes Header(ushort group, ushort element, string vr, uint length)
    {
        Tag(group, element);
        if (!explicitVr)
        {
            return UInt32(length);
        }

        Raw(Encoding.ASCII.GetBytes(vr));
        return LongVRs.Contains(vr) ? UInt16(0).UInt32(length) : UInt16((ushort)length);
    }

    public DicomBytes Element(ushort group, ushort element, string vr, byte[] value) =>
        Header(group, element, vr, (uint)value.Length).Raw(value);

    public DicomBytes Text(ushort group, ushort element, string vr, string value) =>
        Element(group, element, vr, Encoding.ASCII.GetBytes(value));

    public DicomBytes Item(uint length = 0xFFFFFFFF) => Tag(0xFFFE, 0xE000).UInt32(length);

    public DicomBytes ItemEnd() => Tag(0xFFFE, 0xE00D).UInt32(0);

    public DicomBytes SequenceEnd() => Tag(0xFFFE, 0xE0DD).UInt32(0);

    public byte[] ToArray() => _bytes.ToArray();

    /// <summary>Wraps a data set in a PS3.10 header: preamble, DICM and a minimal meta group.</summary>
    public static byte[] Part10(byte[] dataset, string transferSyntaxUid)
    {
        var uid = transferSyntaxUid.Length % 2 == 1 ? transferSyntaxUid + "\0" : transferSyntaxUid;
        var meta = new DicomBytes().Text(0x0002, 0x0010, "UI", uid).ToArray();
        var all = new DicomBytes()
            .Raw(new byte[128]).Raw("DICM"u8)
            .Element(0x0002, 0x0000, "UL", BitConverter.GetBytes((uint)meta.Length))
            .Raw(meta).Raw(dataset);
        return all.ToArray();
    }
}
