namespace Trabecula.Dicom.Json;

/// <summary>Choices for <see cref="DicomJsonWriter"/>.</summary>
public sealed class DicomJsonOptions
{
    /// <summary>
    /// Binary values (OB, OD, OF, OL, OV, OW, UN) longer than this many bytes, and pixel data of any
    /// size, are bulk data: written as a BulkDataURI when <see cref="BulkDataUri"/> is set, otherwise
    /// left out. Shorter binary values are written inline (base64). Default 1024.
    /// </summary>
    public int BulkDataThreshold { get; init; } = 1024;

    /// <summary>Gives the BulkDataURI of a bulk data element (tag path from the top); null leaves bulk data out.</summary>
    public Func<IReadOnlyList<DicomTag>, string>? BulkDataUri { get; init; }

    /// <summary>Indent the output. Default false.</summary>
    public bool Indented { get; init; }
}
