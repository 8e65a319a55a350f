using System.Text;

namespace Trabecula.Dicom.Deidentification;

/// <summary>Non-empty replacement values that are valid for each VR (action D).</summary>
internal static class DummyValues
{
    public static byte[] For(DicomVR vr) => vr switch
    {
        DicomVR.DA => Ascii("19000101"),
        DicomVR.TM => Ascii("000000"),
        DicomVR.DT => Ascii("19000101000000"),
        DicomVR.AS => Ascii("000D"),
        DicomVR.DS or DicomVR.IS => Ascii("0 "),
        DicomVR.UR => Ascii("urn:x:removed "),
        DicomVR.AE or DicomVR.CS or DicomVR.SH or DicomVR.LO or DicomVR.LT or DicomVR.ST or DicomVR.UT
            or DicomVR.UC => Ascii("ANONYMIZED"),
        DicomVR.PN => Ascii("ANONYMIZED^"),
        _ => new byte[Math.Max(2, DicomVRInfo.SwapUnit(vr))],
    };

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}
