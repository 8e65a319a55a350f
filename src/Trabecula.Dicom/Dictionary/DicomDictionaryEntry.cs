namespace Trabecula.Dicom.Dictionary;

/// <summary>One entry of the data dictionary (PS3.6 table 6-1).</summary>
public sealed class DicomDictionaryEntry
{
    internal DicomDictionaryEntry(DicomTag tag, uint mask, DicomVR vr, string valueMultiplicity, string keyword, bool isRetired)
    {
        Tag = tag;
        Mask = mask;
        VR = vr;
        ValueMultiplicity = valueMultiplicity;
        Keyword = keyword;
        IsRetired = isRetired;
    }

    /// <summary>The tag; for a repeating group (60xx) or element range the lowest one.</summary>
    public DicomTag Tag { get; }

    /// <summary>Bits of the tag value that must match; 0xFFFFFFFF for a single tag, 0xFF00FFFF for 60xx groups.</summary>
    public uint Mask { get; }

    /// <summary>The VR; where the standard allows two (US or SS, OB or OW) the one assumed without other information.</summary>
    public DicomVR VR { get; }

    /// <summary>Value multiplicity as in PS3.6, for example "1", "1-n", "2-2n".</summary>
    public string ValueMultiplicity { get; }

    /// <summary>The keyword, for example "PatientName".</summary>
    public string Keyword { get; }

    /// <summary>True for retired attributes.</summary>
    public bool IsRetired { get; }

    /// <summary>True when <paramref name="tag"/> is this entry's tag or falls in its range.</summary>
    public bool Matches(DicomTag tag) => (tag.Value & Mask) == Tag.Value;
}
