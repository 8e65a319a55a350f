using Trabecula.Dicom.IO.Reading;

namespace Trabecula.Dicom;

/// <summary>
/// A DICOM file (PS3.10): preamble, file meta information (group 0002) and the data set, with the
/// transfer syntax the data set was or will be encoded in.
/// </summary>
public sealed class DicomFile
{
    /// <summary>Creates a file for <paramref name="dataset"/>; Explicit VR Little Endian unless given.</summary>
    public DicomFile(DicomDataset dataset, DicomTransferSyntax? transferSyntax = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Dataset = dataset;
        TransferSyntax = transferSyntax ?? DicomTransferSyntax.ExplicitVRLittleEndian;
    }

    /// <summary>The 128-byte preamble as read; zeros for new files and bare data sets.</summary>
    public ReadOnlyMemory<byte> Preamble { get; set; } = new byte[DicomFileSniffer.PreambleLength];

    /// <summary>The file meta information (group 0002); empty when a bare data set was read.</summary>
    public DicomDataset FileMetaInformation { get; init; } = new();

    /// <summary>The data set.</summary>
    public DicomDataset Dataset { get; }

    /// <summary>The transfer syntax of the data set.</summary>
    public DicomTransferSyntax TransferSyntax { get; set; }

    /// <summary>False when the input was a bare data set without PS3.10 header and meta information.</summary>
    public bool HadFileMetaInformation { get; private init; }

    /// <summary>True when <see cref="DicomReadOptions.StopBefore"/> ended the read early (header only).</summary>
    public bool IsPartial { get; private init; }

    /// <summary>Reads a file from <paramref name="path"/>.</summary>
    /// <exception cref="DicomFormatException">The content is not valid DICOM or breaks a limit.</exception>
    public static DicomFile Open(string path, DicomReadOptions? options = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read(stream, options);
    }

    /// <summary>
    /// Reads a file from <paramref name="stream"/>. The stream is read ahead in chunks, so its
    /// position afterwards is unspecified; it is not disposed.
    /// </summary>
    /// <exception cref="DicomFormatException">The content is not valid DICOM or breaks a limit.</exception>
    public static DicomFile Read(Stream stream, DicomReadOptions? options = null) => Read(stream, options, static builder => builder);

    /// <summary>
    /// Reads like <see cref="Read(Stream, DicomReadOptions?)"/>, with every value of at least 64 KiB
    /// (on a seekable stream) read into an array from <paramref name="largeValues"/>, called with the
    /// value's length (the array may be longer). A server ingesting one slice per request lends
    /// pooled arrays here so that pixel data costs no fresh large-object allocation per file. The
    /// caller owns the arrays and must not reuse one while the data set is in use.
    /// </summary>
    /// <exception cref="DicomFormatException">The content is not valid DICOM or breaks a limit.</exception>
    public static DicomFile Read(Stream stream, DicomReadOptions? options, Func<int, byte[]> largeValues)
    {
        ArgumentNullException.ThrowIfNull(largeValues);
        return Read(stream, options, static builder => builder, largeValues);
    }

    /// <summary>
    /// Reads with another observer (a filter) placed in front of the data set builder and, when
    /// given, large values in arrays from <paramref name="largeValues"/> (which the caller owns).
    /// </summary>
    internal static DicomFile Read(Stream stream, DicomReadOptions? options, Func<IDicomReaderObserver, IDicomReaderObserver> wrapBuilder, Func<int, byte[]>? largeValues = null)
    {
        var dataset = new DicomDataset();
        var (header, stopped) = DicomFileParser.Parse(stream, options ?? new DicomReadOptions(), wrapBuilder(new DatasetBuilder(dataset)), largeValues);
        return new DicomFile(dataset, header.TransferSyntax)
        {
            Preamble = header.Preamble ?? new byte[DicomFileSniffer.PreambleLength],
            FileMetaInformation = header.Meta,
            HadFileMetaInformation = header.HasMeta,
            IsPartial = stopped,
        };
    }
}
