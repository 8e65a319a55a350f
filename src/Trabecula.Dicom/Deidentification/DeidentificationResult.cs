namespace Trabecula.Dicom.Deidentification;

/// <summary>What de-identifying one file did, and what it could not do.</summary>
public sealed class DeidentificationResult
{
    internal DeidentificationResult(string? sopInstanceUid, bool burnedInAnnotation, int removed, int replaced, int? dateShiftDays, IReadOnlyList<string> warnings)
    {
        SopInstanceUid = sopInstanceUid;
        HasBurnedInAnnotation = burnedInAnnotation;
        RemovedCount = removed;
        ReplacedCount = replaced;
        DateShiftDays = dateShiftDays;
        Warnings = warnings;
    }

    /// <summary>The new SOP Instance UID, or null when the file had none.</summary>
    public string? SopInstanceUid { get; }

    /// <summary>
    /// True when Burned In Annotation (0028,0301) is YES: identifying text may be in the pixels,
    /// which this profile does not clean. The caller must not release such a file unreviewed.
    /// </summary>
    public bool HasBurnedInAnnotation { get; }

    /// <summary>Attributes removed (X), private ones included.</summary>
    public int RemovedCount { get; }

    /// <summary>Attributes emptied, replaced with dummies or new UIDs, cleaned or shifted.</summary>
    public int ReplacedCount { get; }

    /// <summary>The day offset applied to dates, when the modified-dates option was on.</summary>
    public int? DateShiftDays { get; }

    /// <summary>Things a reviewer should know, for example burned-in annotation.</summary>
    public IReadOnlyList<string> Warnings { get; }
}
