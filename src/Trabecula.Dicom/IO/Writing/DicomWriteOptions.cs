namespace Trabecula.Dicom;

/// <summary>Choices for <see cref="DicomFileWriter"/>.</summary>
public sealed class DicomWriteOptions
{
    /// <summary>
    /// The transfer syntax to write; null keeps the file's own. Native syntaxes convert into each
    /// other; encapsulated pixel data cannot be decompressed or compressed here.
    /// </summary>
    public DicomTransferSyntax? TransferSyntax { get; init; }

    /// <summary>Compression level of Deflated Explicit VR Little Endian output.</summary>
    public System.IO.Compression.CompressionLevel DeflateLevel { get; init; } = System.IO.Compression.CompressionLevel.Optimal;
}
