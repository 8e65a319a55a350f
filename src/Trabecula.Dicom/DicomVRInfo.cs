namespace Trabecula.Dicom;

/// <summary>Encoding rules of each VR (PS3.5 tables 6.2-1 and 7.1-1).</summary>
internal static class DicomVRInfo
{
    /// <summary>Parses the two VR bytes of an explicit VR header; false for anything not in PS3.5.</summary>
    public static bool TryParse(byte first, byte second, out DicomVR vr)
    {
        vr = (DicomVR)((first << 8) | second);
        return IsKnown(vr);
    }

    public static bool TryParse(string? text, out DicomVR vr)
    {
        vr = DicomVR.None;
        return text is { Length: 2 } && TryParse((byte)text[0], (byte)text[1], out vr);
    }

    public static bool IsKnown(DicomVR vr) => vr switch
    {
        DicomVR.AE or DicomVR.AS or DicomVR.AT or DicomVR.CS or DicomVR.DA or DicomVR.DS or DicomVR.DT
            or DicomVR.FD or DicomVR.FL or DicomVR.IS or DicomVR.LO or DicomVR.LT or DicomVR.OB
            or DicomVR.OD or DicomVR.OF or DicomVR.OL or DicomVR.OV or DicomVR.OW or DicomVR.PN
            or DicomVR.SH or DicomVR.SL or DicomVR.SQ or DicomVR.SS or DicomVR.ST or DicomVR.SV
            or DicomVR.TM or DicomVR.UC or DicomVR.UI or DicomVR.UL or DicomVR.UN or DicomVR.UR
            or DicomVR.US or DicomVR.UT or DicomVR.UV => true,
        _ => false,
    };

    /// <summary>Explicit VR headers of these VRs have 2 reserved bytes and a 32-bit length.</summary>
    public static bool HasLongLength(DicomVR vr) => vr is DicomVR.OB or DicomVR.OD or DicomVR.OF
        or DicomVR.OL or DicomVR.OV or DicomVR.OW or DicomVR.SQ or DicomVR.SV or DicomVR.UC
        or DicomVR.UN or DicomVR.UR or DicomVR.UT or DicomVR.UV;

    /// <summary>Byte size of one numeric unit that changes order between little and big endian; 1 when none.</summary>
    public static int SwapUnit(DicomVR vr) => vr switch
    {
        DicomVR.AT or DicomVR.OW or DicomVR.SS or DicomVR.US => 2,
        DicomVR.FL or DicomVR.OF or DicomVR.OL or DicomVR.SL or DicomVR.UL => 4,
        DicomVR.FD or DicomVR.OD or DicomVR.OV or DicomVR.SV or DicomVR.UV => 8,
        _ => 1,
    };

    /// <summary>Character strings, padded with a space (UI with NUL).</summary>
    public static bool IsString(DicomVR vr) => vr is DicomVR.AE or DicomVR.AS or DicomVR.CS
        or DicomVR.DA or DicomVR.DS or DicomVR.DT or DicomVR.IS or DicomVR.LO or DicomVR.LT
        or DicomVR.PN or DicomVR.SH or DicomVR.ST or DicomVR.TM or DicomVR.UC or DicomVR.UI
        or DicomVR.UR or DicomVR.UT;

    /// <summary>Strings whose bytes depend on the Specific Character Set (PS3.5 section 6.1.2.3).</summary>
    public static bool UsesCharacterSet(DicomVR vr) => vr is DicomVR.LO or DicomVR.LT or DicomVR.PN
        or DicomVR.SH or DicomVR.ST or DicomVR.UC or DicomVR.UT;

    /// <summary>Texts are single-valued: a backslash in them is a character, not a delimiter.</summary>
    public static bool IsSingleValuedText(DicomVR vr) => vr is DicomVR.LT or DicomVR.ST or DicomVR.UT or DicomVR.UR;

    /// <summary>The byte that pads an odd-length value to even length.</summary>
    public static byte PaddingByte(DicomVR vr) => vr switch
    {
        DicomVR.UI or DicomVR.OB or DicomVR.UN => 0,
        _ when IsString(vr) => (byte)' ',
        _ => 0,
    };

    public static string ToCode(DicomVR vr) => vr == DicomVR.None
        ? "--"
        : new string([(char)((ushort)vr >> 8), (char)((ushort)vr & 0xFF)]);
}
