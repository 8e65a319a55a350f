namespace Trabecula.Dicom;

/// <summary>
/// The one exception the library throws for malformed or hostile DICOM input. It names where the
/// problem was found: the byte offset from the start of the stream (offsets inside a deflated data
/// set count inflated bytes) and the element path, for example <c>(0040,0275)[0]/(0008,1150)</c>.
/// </summary>
public sealed class DicomFormatException : Exception
{
    /// <summary>Creates an exception without a position.</summary>
    public DicomFormatException()
        : this("Malformed DICOM data.")
    {
    }

    /// <summary>Creates an exception without a position.</summary>
    public DicomFormatException(string message)
        : this(message, -1, string.Empty)
    {
    }

    /// <summary>Creates an exception without a position that wraps another.</summary>
    public DicomFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Offset = -1;
        Path = string.Empty;
    }

    /// <summary>Creates an exception at <paramref name="offset"/> and <paramref name="path"/>.</summary>
    public DicomFormatException(string message, long offset, string path, Exception? innerException = null)
        : base(Describe(message, offset, path), innerException)
    {
        Offset = offset;
        Path = path;
        Reason = message;
    }

    /// <summary>Byte offset of the problem, or -1 when unknown.</summary>
    public long Offset { get; }

    /// <summary>Element path of the problem, empty at the top level or when unknown.</summary>
    public string Path { get; }

    /// <summary>The reason alone, without the position that <see cref="Exception.Message"/> adds.</summary>
    public string? Reason { get; }

    private static string Describe(string message, long offset, string path) =>
        offset < 0 ? message
        : path.Length == 0 ? FormattableString.Invariant($"{message} (offset {offset})")
        : FormattableString.Invariant($"{message} (offset {offset}, element {path})");
}
