using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Trabecula.Dicom.IO.Reading;

/// <summary>Reverses the byte order of each numeric unit of a value; its own inverse.</summary>
internal static class ByteSwap
{
    public static void ToLittleEndian(Span<byte> value, DicomVR vr) => Swap(value, DicomVRInfo.SwapUnit(vr));

    public static void Swap(Span<byte> value, int unit)
    {
        var whole = value.Length - (value.Length % unit);
        switch (unit)
        {
            case 2:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(value[..whole]), MemoryMarshal.Cast<byte, ushort>(value[..whole]));
                break;
            case 4:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, uint>(value[..whole]), MemoryMarshal.Cast<byte, uint>(value[..whole]));
                break;
            case 8:
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ulong>(value[..whole]), MemoryMarshal.Cast<byte, ulong>(value[..whole]));
                break;
        }
    }
}
