using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Trabecula.Dicom.Deidentification;

/// <summary>
/// Replaces UIDs deterministically: HMAC-SHA256 keyed with the case secret over the original UID,
/// first 128 bits read as an unsigned integer, written as "2.25.&lt;integer&gt;" (PS3.5 B.2). The same
/// UID maps to the same new UID in every file of the case; without the secret the mapping cannot
/// be reversed or recomputed.
/// </summary>
internal sealed class UidMapper(byte[] secret)
{
    public string Map(string uid)
    {
        var mac = HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(uid));
        var value = new BigInteger(mac.AsSpan(0, 16), isUnsigned: true, isBigEndian: true);
        return "2.25." + value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A day offset in [-3650, -1] derived from the secret, so each case gets its own.</summary>
    public int DateShiftDays()
    {
        var mac = HMACSHA256.HashData(secret, "trabecula/date-shift"u8);
        return -1 - (int)(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(mac) % 3650);
    }
}
