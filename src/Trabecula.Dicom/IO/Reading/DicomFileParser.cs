namespace Trabecula.Dicom.IO.Reading;

/// <summary>What <see cref="DicomFileParser"/> found before the data set.</summary>
internal sealed record DicomFileHeader(byte[]? Preamble, DicomDataset Meta, DicomTransferSyntax TransferSyntax, bool HasMeta);

/// <summary>
/// Reads a PS3.10 file (preamble, "DICM", group 0002 in Explicit VR Little Endian) or, leniently,
/// a bare data set, and sends the data set's events to an observer.
/// </summary>
internal static class DicomFileParser
{
    public static (DicomFileHeader Header, bool Stopped) Parse(Stream stream, DicomReadOptions options, IDicomReaderObserver observer, Func<int, byte[]>? largeValues = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new DicomStreamReader(stream, options, dictionary: null);
        var source = reader.Source;
        source.LargeValues = largeValues;
        byte[]? preamble = null;
        var hasMeta = false;
        var head = source.Peek(DicomFileSniffer.HeaderLength);
        if (DicomFileSniffer.IsPart10(head))
        {
            preamble = head[..DicomFileSniffer.PreambleLength].ToArray();
            source.Skip(DicomFileSniffer.HeaderLength);
            hasMeta = true;
        }
        else if (head.StartsWith("DICM"u8))
        {
            source.Skip(4);
            hasMeta = true;
        }

        var meta = new DicomDataset();
        DicomTransferSyntax syntax;
        if (hasMeta)
        {
            reader.Observer = new DatasetBuilder(meta);
            reader.ReadDataset(explicitVr: true, bigEndian: false, static tag => tag.Group != 0x0002);
            var uid = meta.GetString(DicomTag.TransferSyntaxUid);
            syntax = string.IsNullOrEmpty(uid) ? Detect(source.Peek(8), reader) : DicomTransferSyntax.Lookup(uid);
        }
        else
        {
            syntax = Detect(head, reader);
        }

        if (syntax.IsDeflated)
        {
            source.StartInflating(options.MaxInflateRatio, options.MaxInflatedBytes);
        }

        reader.Observer = observer;
        var before = reader.ElementCount;
        var stopped = reader.ReadDataset(syntax.IsExplicitVR, syntax.IsBigEndian, options.StopBefore);
        if (syntax.IsDeflated && !stopped && reader.ElementCount == before)
        {
            // DeflateStream ends quietly on truncated input; an empty result is the visible trace.
            throw reader.Fail("Deflated data set is empty or truncated.");
        }
        return (new DicomFileHeader(preamble, meta, syntax, hasMeta), stopped);
    }

    /// <summary>
    /// Guesses the encoding of a data set without meta information from its first element header:
    /// two VR letters after the tag mean explicit VR; a group that only makes sense byte-swapped
    /// means big endian.
    /// </summary>
    private static DicomTransferSyntax Detect(ReadOnlySpan<byte> head, DicomStreamReader reader)
    {
        if (head.Length < 8)
        {
            throw reader.Fail("Too short to be a DICOM data set.");
        }

        var explicitVr = DicomVRInfo.TryParse(head[4], head[5], out _);
        var littleGroup = head[0] | (head[1] << 8);
        var bigGroup = (head[0] << 8) | head[1];
        if (explicitVr && littleGroup > 0x00FF && bigGroup <= 0x00FF)
        {
            return DicomTransferSyntax.ExplicitVRBigEndian;
        }

        return explicitVr ? DicomTransferSyntax.ExplicitVRLittleEndian : DicomTransferSyntax.ImplicitVRLittleEndian;
    }
}
