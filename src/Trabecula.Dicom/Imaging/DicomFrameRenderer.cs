using System.Buffers.Binary;
using System.Globalization;

namespace Trabecula.Dicom.Imaging;

/// <summary>A display window: values from center − width/2 to center + width/2 map onto black to white.</summary>
/// <param name="Center">Window center in output units (Hounsfield units for CT).</param>
/// <param name="Width">Window width; at least 1.</param>
public readonly record struct DicomWindow(double Center, double Width)
{
    /// <summary>Bone (CT): center 300 HU, width 1500 HU.</summary>
    public static DicomWindow Bone => new(300, 1500);

    /// <summary>Soft tissue (CT): center 40 HU, width 400 HU.</summary>
    public static DicomWindow SoftTissue => new(40, 400);
}

/// <summary>An 8-bit grayscale image ready for display.</summary>
/// <param name="Width">Columns.</param>
/// <param name="Height">Rows.</param>
/// <param name="Pixels">Row-major, one byte per pixel.</param>
public sealed record RenderedFrame(int Width, int Height, byte[] Pixels)
{
    /// <summary>The image as PNG.</summary>
    public byte[] ToPng() => PngEncoder.EncodeGray8(Width, Height, Pixels);
}

/// <summary>
/// Renders the first frame of a grayscale image (MONOCHROME1/2) for display: native pixel data
/// or RLE Lossless (PS3.5 Annex G), modality rescale, a window, and an optional downscale. Other
/// encapsulated syntaxes (JPEG, JPEG-LS, JPEG 2000) have no decoder here: <see cref="CanRender"/>
/// says so rather than showing something wrong.
/// </summary>
public static class DicomFrameRenderer
{
    private static readonly DicomTag SamplesPerPixel = new(0x0028, 0x0002);
    private static readonly DicomTag Photometric = new(0x0028, 0x0004);
    private static readonly DicomTag Rows = new(0x0028, 0x0010);
    private static readonly DicomTag Columns = new(0x0028, 0x0011);
    private static readonly DicomTag BitsAllocated = new(0x0028, 0x0100);
    private static readonly DicomTag BitsStored = new(0x0028, 0x0101);
    private static readonly DicomTag PixelRepresentation = new(0x0028, 0x0103);
    private static readonly DicomTag RescaleIntercept = new(0x0028, 0x1052);
    private static readonly DicomTag RescaleSlope = new(0x0028, 0x1053);
    private static readonly DicomTag WindowCenter = new(0x0028, 0x1050);
    private static readonly DicomTag WindowWidth = new(0x0028, 0x1051);
    private const string RleLossless = "1.2.840.10008.1.2.5";

    /// <summary>True when this file's first frame can be rendered; otherwise the plain reason.</summary>
    public static bool CanRender(DicomFile file, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(file);
        var ds = file.Dataset;
        reason = null;
        if (!ds.Contains(DicomTag.PixelData))
        {
            reason = "no pixel data";
        }
        else if (file.TransferSyntax.IsEncapsulated && file.TransferSyntax.Uid != RleLossless)
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"no decoder for {file.TransferSyntax} here");
        }
        else if ((Number(ds, SamplesPerPixel) ?? 1) != 1 || ds.GetString(Photometric)?.Trim() is not ("MONOCHROME1" or "MONOCHROME2"))
        {
            reason = "only grayscale (MONOCHROME1/2) images are rendered";
        }
        else if (Number(ds, BitsAllocated) is not (8 or 16))
        {
            reason = "only 8 and 16 bits allocated are rendered";
        }

        return reason is null;
    }

    /// <summary>The image's own window (WindowCenter/WindowWidth), if it has one.</summary>
    public static DicomWindow? DefaultWindow(DicomDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return dataset.TryGetDouble(WindowCenter, 0, out var c) && dataset.TryGetDouble(WindowWidth, 0, out var w) && w >= 1 ? new DicomWindow(c, w) : null;
    }

    /// <summary>Renders the first frame with <paramref name="window"/>, scaled down (never up) to fit <paramref name="maxSize"/> pixels.</summary>
    /// <exception cref="NotSupportedException">The image cannot be rendered (see <see cref="CanRender"/>).</exception>
    /// <exception cref="DicomFormatException">The pixel data is shorter than the image it declares or the RLE stream is malformed.</exception>
    public static RenderedFrame Render(DicomFile file, DicomWindow window, int maxSize = 1024)
    {
        if (!CanRender(file, out var reason))
        {
            throw new NotSupportedException(reason);
        }

        var ds = file.Dataset;
        var rows = (int)(Number(ds, Rows) ?? 0);
        var columns = (int)(Number(ds, Columns) ?? 0);
        if (rows is <= 0 or > 16384 || columns is <= 0 or > 16384)
        {
            throw new DicomFormatException("Rows and Columns must be 1..16384.");
        }

        var bits = (int)Number(ds, BitsAllocated)!;
        var stored = (int)(Number(ds, BitsStored) ?? bits);
        var signed = Number(ds, PixelRepresentation) == 1;
        var slope = ds.TryGetDouble(RescaleSlope, 0, out var s) && s != 0 ? s : 1;
        var intercept = ds.TryGetDouble(RescaleIntercept, 0, out var i) ? i : 0;
        var invert = ds.GetString(Photometric)?.Trim() == "MONOCHROME1";
        var count = rows * columns;
        var raw = file.TransferSyntax.Uid == RleLossless
            ? DecodeRle(((DicomFragmentSequence)ds[DicomTag.PixelData]!).Fragments, count, bits / 8)
            : ds[DicomTag.PixelData]!.Value;
        if (raw.Length < count * (bits / 8))
        {
            throw new DicomFormatException(string.Create(CultureInfo.InvariantCulture, $"Pixel data holds {raw.Length} bytes; {rows} x {columns} x {bits} bits need {count * (bits / 8)}."));
        }

        var scale = Math.Max(1, (int)Math.Ceiling(Math.Max(rows, columns) / (double)Math.Max(16, maxSize)));
        var outRows = rows / scale;
        var outColumns = columns / scale;
        var pixels = new byte[outRows * outColumns];
        var low = window.Center - (window.Width / 2);
        var span = raw.Span;
        var mask = stored >= 32 ? -1 : (1 << stored) - 1;
        for (var y = 0; y < outRows; y++)
        {
            for (var x = 0; x < outColumns; x++)
            {
                var index = (y * scale * columns) + (x * scale);
                int stored16;
                if (bits == 8)
                {
                    stored16 = span[index];
                }
                else
                {
                    stored16 = BinaryPrimitives.ReadUInt16LittleEndian(span.Slice(index * 2, 2)) & mask;
                    if (signed && (stored16 & (1 << (stored - 1))) != 0)
                    {
                        stored16 -= 1 << stored; // sign-extend the stored bits
                    }
                }

                var value = (stored16 * slope) + intercept;
                var level = (value - low) / Math.Max(1, window.Width);
                var gray = (byte)Math.Clamp((int)Math.Round(level * 255), 0, 255);
                pixels[(y * outColumns) + x] = invert ? (byte)(255 - gray) : gray;
            }
        }

        return new RenderedFrame(outColumns, outRows, pixels);
    }

    /// <summary>PS3.5 Annex G: a 64-byte header of segment offsets, each segment PackBits-coded; for 16 bits the high bytes come first.</summary>
    private static ReadOnlyMemory<byte> DecodeRle(IReadOnlyList<ReadOnlyMemory<byte>> fragments, int pixels, int bytesPerSample)
    {
        if (fragments.Count == 0)
        {
            throw new DicomFormatException("RLE pixel data without fragments.");
        }

        var frame = fragments[0].Span;
        if (frame.Length < 64)
        {
            throw new DicomFormatException("RLE header truncated.");
        }

        var segments = (int)BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (segments != bytesPerSample)
        {
            throw new DicomFormatException(string.Create(CultureInfo.InvariantCulture, $"RLE frame has {segments} segments; {bytesPerSample} expected for one grayscale sample."));
        }

        var output = new byte[pixels * bytesPerSample];
        for (var segment = 0; segment < segments; segment++)
        {
            var start = (int)BinaryPrimitives.ReadUInt32LittleEndian(frame[(4 + (segment * 4))..]);
            var end = segment + 1 < segments ? (int)BinaryPrimitives.ReadUInt32LittleEndian(frame[(8 + (segment * 4))..]) : frame.Length;
            if (start < 64 || end > frame.Length || start > end)
            {
                throw new DicomFormatException("RLE segment offsets out of range.");
            }

            // Segment 0 holds the most significant bytes; little-endian output puts them at offset 1.
            var target = bytesPerSample - 1 - segment;
            var data = frame[start..end];
            var written = 0;
            var at = 0;
            while (at < data.Length && written < pixels)
            {
                var n = (sbyte)data[at++];
                if (n >= 0)
                {
                    for (var k = 0; k <= n && at < data.Length && written < pixels; k++)
                    {
                        output[(written++ * bytesPerSample) + target] = data[at++];
                    }
                }
                else if (n != -128 && at < data.Length)
                {
                    var value = data[at++];
                    for (var k = 0; k < 1 - n && written < pixels; k++)
                    {
                        output[(written++ * bytesPerSample) + target] = value;
                    }
                }
            }
        }

        return output;
    }

    private static double? Number(DicomDataset ds, DicomTag tag) => ds.TryGetDouble(tag, 0, out var value) ? value : null;
}
