namespace Trabecula.Dicom.Deidentification;

/// <summary>One row of Table E.1-1: the basic action and the action of each option column that has one.</summary>
internal sealed record ProfileRow(uint Tag, uint Mask, string Name, string Basic, IReadOnlyDictionary<ProfileOption, string> Options)
{
    public bool Matches(DicomTag tag) => (tag.Value & Mask) == Tag;
}

/// <summary>The option columns of Table E.1-1, in the order of the CSV.</summary>
internal enum ProfileOption
{
    RetainSafePrivate,
    RetainUids,
    RetainDeviceIdentity,
    RetainInstitutionIdentity,
    RetainPatientCharacteristics,
    RetainLongitudinalFullDates,
    RetainLongitudinalModifiedDates,
    CleanDescriptors,
    CleanStructuredContent,
    CleanGraphics,
}
