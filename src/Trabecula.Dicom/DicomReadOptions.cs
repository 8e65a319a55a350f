namespace Trabecula.Dicom;

/// <summary>
/// Limits and choices for reading. The defaults bound memory and time for untrusted input
/// (SECURITY-TESTPLAN UP-03); raise them only for trusted sources.
/// </summary>
public sealed class DicomReadOptions
{
    /// <summary>Deepest sequence nesting accepted; deeper input is rejected. Default 64, at most 1000.</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Most elements (sequence items and fragments included) accepted in one file. Default 1,000,000.</summary>
    public long MaxElementCount { get; init; } = 1_000_000;

    /// <summary>
    /// Largest ratio of inflated to compressed bytes accepted for Deflated Explicit VR Little Endian,
    /// checked as the data is inflated (the first MiB is always allowed). Default 200.
    /// </summary>
    public double MaxInflateRatio { get; init; } = 200;

    /// <summary>Most bytes a deflated data set may inflate to. Default 1 GiB.</summary>
    public long MaxInflatedBytes { get; init; } = 1L << 30;

    /// <summary>
    /// Called with each top-level tag before its value is read; reading stops before the first tag
    /// for which it returns true. Null reads everything.
    /// </summary>
    public Func<DicomTag, bool>? StopBefore { get; init; }

    /// <summary>Options that stop before Pixel Data (7FE0,0010): a header-only read.</summary>
    public static DicomReadOptions HeaderOnly => new() { StopBefore = static tag => tag >= DicomTag.PixelData };
}
