namespace Trabecula.Mesh;

/// <summary>
/// The one exception the library throws for malformed or hostile mesh input. It names where the
/// problem was found: the byte offset from the start of the stream (binary STL, zip containers) or
/// the 1-based line (ASCII STL, AMF and 3MF XML).
/// </summary>
public sealed class MeshFormatException : Exception
{
    /// <summary>Creates an exception without a position.</summary>
    public MeshFormatException()
        : this("Malformed mesh data.")
    {
    }

    /// <summary>Creates an exception without a position.</summary>
    public MeshFormatException(string message)
        : this(message, -1, 0)
    {
    }

    /// <summary>Creates an exception without a position that wraps another.</summary>
    public MeshFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Offset = -1;
        Reason = message;
    }

    /// <summary>Creates an exception at byte <paramref name="offset"/> or <paramref name="line"/>.</summary>
    public MeshFormatException(string message, long offset, int line, Exception? innerException = null)
        : base(Describe(message, offset, line), innerException)
    {
        Offset = offset;
        Line = line;
        Reason = message;
    }

    /// <summary>Byte offset of the problem, or -1 when unknown or when a line is given instead.</summary>
    public long Offset { get; }

    /// <summary>1-based line of the problem in a text format, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>The reason alone, without the position that <see cref="Exception.Message"/> adds.</summary>
    public string? Reason { get; }

    private static string Describe(string message, long offset, int line) =>
        line > 0 ? FormattableString.Invariant($"{message} (line {line})")
        : offset >= 0 ? FormattableString.Invariant($"{message} (offset {offset})")
        : message;
}
