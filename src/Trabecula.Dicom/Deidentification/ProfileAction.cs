namespace Trabecula.Dicom.Deidentification;

/// <summary>
/// Action codes of PS3.15 Table E.1-1 (the vocabulary fo-dicom also uses). The combined codes are
/// resolved without IOD knowledge to the choice that keeps the data set valid: X/Z and X/Z/D to Z,
/// X/D to D, Z/D to Z, X/Z/U* to U (keep the sequence, replace the UIDs inside).
/// </summary>
internal enum ProfileAction
{
    Keep,
    Remove,
    Empty,
    Dummy,
    Clean,
    ReplaceUid,
}
