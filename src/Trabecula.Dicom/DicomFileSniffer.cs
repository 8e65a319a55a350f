namespace Trabecula.Dicom;

/// <summary>
/// Recognises a DICOM PS3.10 file by its header (PS3.10 section 7.1): a 128-byte preamble
/// followed by the four bytes "DICM". Used to reject files renamed to .dcm (UP-05) before any
/// parsing is attempted.
/// </summary>
public static class DicomFileSniffer
{
    /// <summary>Length of the preamble that precedes the "DICM" prefix.</summary>
    public const int PreambleLength = 128;

    /// <summary>Bytes needed to decide: the preamble plus the prefix.</summary>
    public const int HeaderLength = PreambleLength + 4;

    /// <summary>True when <paramref name="header"/> starts with a PS3.10 preamble and "DICM".</summary>
    public static bool IsPart10(ReadOnlySpan<byte> header) =>
        header.Length >= HeaderLength && header.Slice(PreambleLength, 4).SequenceEqual("DICM"u8);

    /// <summary>
    /// Reads at most <see cref="HeaderLength"/> bytes from <paramref name="stream"/> and tells
    /// whether they are a PS3.10 header. The stream is left after the bytes read.
    /// </summary>
    public static async ValueTask<bool> IsPart10Async(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[HeaderLength];
        var read = await stream.ReadAtLeastAsync(buffer, HeaderLength, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return IsPart10(buffer.AsSpan(0, read));
    }
}
