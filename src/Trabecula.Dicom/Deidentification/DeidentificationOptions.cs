namespace Trabecula.Dicom.Deidentification;

/// <summary>
/// Settings for one case of de-identification with the PS3.15 Annex E Basic Application Level
/// Confidentiality Profile. Every file of a case must use the same options (same secret) so that
/// replaced UIDs and shifted dates stay consistent across its series.
/// </summary>
public sealed class DeidentificationOptions
{
    /// <summary>
    /// Per-case secret (at least 16 bytes) keying the HMAC that derives replacement UIDs and the date
    /// offset. Only the holder of the secret can link new UIDs to the old ones; keep it at the institution.
    /// </summary>
    public required byte[] CaseSecret { get; init; }

    /// <summary>Replaces Patient's Name (0010,0010).</summary>
    public required string PatientNamePseudonym { get; init; }

    /// <summary>Replaces Patient ID (0010,0020); the name pseudonym when null.</summary>
    public string? PatientIdPseudonym { get; init; }

    /// <summary>Retain Device Identity Option (PS3.15 E.3.2): device serial numbers, station names.</summary>
    public bool RetainDeviceIdentity { get; init; }

    /// <summary>Retain Institution Identity Option (E.3.3).</summary>
    public bool RetainInstitutionIdentity { get; init; }

    /// <summary>Retain Patient Characteristics Option (E.3.4): age, sex, size, weight.</summary>
    public bool RetainPatientCharacteristics { get; init; }

    /// <summary>Retain Longitudinal Temporal Information with Full Dates Option (E.3.6).</summary>
    public bool RetainLongitudinalFullDates { get; init; }

    /// <summary>
    /// Retain Longitudinal Temporal Information with Modified Dates Option (E.3.6): dates are shifted
    /// by one offset per case, so intervals between studies survive.
    /// </summary>
    public bool RetainLongitudinalModifiedDates { get; init; }

    /// <summary>Retain UIDs Option (E.3.1).</summary>
    public bool RetainUids { get; init; }

    /// <summary>
    /// Clean Descriptors Option (E.3.5): descriptions are kept, with every identifying value found in
    /// the data set (names, IDs, dates, addresses) blanked out of them.
    /// </summary>
    public bool CleanDescriptors { get; init; }

    /// <summary>Clean Structured Content Option (E.3.7): structured content is kept and cleaned item by item.</summary>
    public bool CleanStructuredContent { get; init; }

    /// <summary>Clean Graphics Option (E.3.8): overlays and graphic annotations are kept.</summary>
    public bool CleanGraphics { get; init; }

    /// <summary>
    /// Private attributes known not to identify anyone (Retain Safe Private Option, E.3.10); every
    /// other private attribute is removed. Empty by default.
    /// </summary>
    public IReadOnlyCollection<DicomPrivateTag> SafePrivateTags { get; init; } = [];

    /// <summary>Days added to every date under the modified-dates option; derived from the secret when null.</summary>
    public int? DateShiftDays { get; init; }
}
