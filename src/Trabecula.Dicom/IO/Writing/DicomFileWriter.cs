using System.IO.Compression;
using Trabecula.Dicom.IO.Writing;

namespace Trabecula.Dicom;

/// <summary>
/// Writes PS3.10 files: preamble, "DICM", file meta information in Explicit VR Little Endian with
/// its group length recomputed, then the data set in the file's transfer syntax (or the one asked
/// for). Values are padded to even length; sequences and items keep the defined or undefined
/// length they were read with, so reading and writing an unchanged file gives the same bytes.
/// </summary>
public static class DicomFileWriter
{
    private const string ImplementationClassUid = "2.25.200367373214371916046395226960211402177";
    private const string ImplementationVersionName = "TRABECULA_010";

    /// <summary>Writes <paramref name="file"/> to <paramref name="path"/>, replacing any file there.</summary>
    public static void Write(DicomFile file, string path, DicomWriteOptions? options = null)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Write(file, stream, options);
    }

    /// <summary>Writes <paramref name="file"/> to <paramref name="output"/>, which is left open.</summary>
    /// <exception cref="InvalidOperationException">The requested transfer syntax needs a pixel data codec.</exception>
    public static void Write(DicomFile file, Stream output, DicomWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(output);
        options ??= new DicomWriteOptions();
        var syntax = options.TransferSyntax ?? file.TransferSyntax;
        CheckConvertible(file, syntax);

        var meta = BuildMeta(file, syntax);
        output.Write(file.Preamble.Length == DicomFileSniffer.PreambleLength ? file.Preamble.Span : new byte[DicomFileSniffer.PreambleLength]);
        output.Write("DICM"u8);
        new DicomDatasetWriter(output, explicitVr: true, bigEndian: false).Write(meta);

        if (syntax.IsDeflated)
        {
            using var deflate = new DeflateStream(output, options.DeflateLevel, leaveOpen: true);
            using var buffered = new BufferedStream(deflate, 1 << 16);
            new DicomDatasetWriter(buffered, true, false).Write(file.Dataset);
        }
        else
        {
            new DicomDatasetWriter(output, syntax.IsExplicitVR, syntax.IsBigEndian).Write(file.Dataset);
        }
    }

    private static void CheckConvertible(DicomFile file, DicomTransferSyntax target)
    {
        var pixels = file.Dataset[DicomTag.PixelData];
        if (pixels is DicomFragmentSequence && !target.IsEncapsulated)
        {
            throw new InvalidOperationException($"Pixel data is encapsulated ({file.TransferSyntax.Name}); writing {target.Name} would need a decompressor.");
        }

        if (pixels is not null and not DicomFragmentSequence && target.IsEncapsulated)
        {
            throw new InvalidOperationException($"Pixel data is native; writing {target.Name} would need a compressor.");
        }
    }

    private static DicomDataset BuildMeta(DicomFile file, DicomTransferSyntax syntax)
    {
        var meta = new DicomDataset();
        foreach (var element in file.FileMetaInformation)
        {
            meta.AddOrUpdate(element);
        }

        if (!meta.Contains(MetaTags.FileMetaInformationVersion))
        {
            meta.AddOrUpdate(new DicomElement(MetaTags.FileMetaInformationVersion, DicomVR.OB, new byte[] { 0x00, 0x01 }));
        }

        SetIfMissing(meta, MetaTags.MediaStorageSopClassUid, file.Dataset.GetString(MetaTags.SopClassUid));
        SetIfMissing(meta, MetaTags.MediaStorageSopInstanceUid, file.Dataset.GetString(MetaTags.SopInstanceUid));
        if (meta.GetString(DicomTag.TransferSyntaxUid) != syntax.Uid)
        {
            meta.AddOrUpdate(DicomTag.TransferSyntaxUid, DicomVR.UI, syntax.Uid);
        }

        SetIfMissing(meta, MetaTags.ImplementationClassUid, ImplementationClassUid);
        if (!meta.Contains(MetaTags.ImplementationClassUid) || !file.FileMetaInformation.Contains(MetaTags.ImplementationClassUid))
        {
            SetIfMissing(meta, MetaTags.ImplementationVersionName, ImplementationVersionName);
        }

        // Group length: the encoded size of every meta element after it.
        meta.Remove(MetaTags.FileMetaInformationGroupLength);
        var length = meta.Sum(e => DicomDatasetWriter.EncodedLength(e, explicitVr: true));
        meta.AddOrUpdate(new DicomElement(MetaTags.FileMetaInformationGroupLength, DicomVR.UL, BitConverter.GetBytes(checked((uint)length))));
        return meta;
    }

    private static void SetIfMissing(DicomDataset meta, DicomTag tag, string? value)
    {
        if (!meta.Contains(tag) && !string.IsNullOrEmpty(value))
        {
            meta.AddOrUpdate(tag, tag == MetaTags.ImplementationVersionName ? DicomVR.SH : DicomVR.UI, value);
        }
    }
}
