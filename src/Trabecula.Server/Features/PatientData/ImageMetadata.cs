using System.Buffers.Binary;

namespace Trabecula.Server.Features.PatientData;

/// <summary>
/// Structure checks and metadata removal for the photos of an optical capture, without decoding
/// pixels (no image package restores here, and none is needed): a JPEG is walked marker by marker
/// (ITU-T T.81 B.1), a PNG chunk by chunk with every CRC checked (PNG spec 5.3). The copy for the
/// designer keeps what the picture needs (frames, tables, scans, colour profile, Adobe transform)
/// and drops what cameras and phones write about the person and the place: EXIF (GPS, times,
/// device serial numbers, owner), XMP, IPTC captions, comments, PNG text and time chunks.
/// </summary>
public static class ImageMetadata
{
    public static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Width and height, after checking the whole structure.</summary>
    public static (int Width, int Height) Dimensions(ScanFormat format, ReadOnlySpan<byte> bytes) =>
        format == ScanFormat.Jpeg ? WalkJpeg(bytes, null) : WalkPng(bytes, null);

    /// <summary>The same image with its metadata segments or chunks left out.</summary>
    public static byte[] Strip(ScanFormat format, ReadOnlySpan<byte> bytes)
    {
        using var output = new MemoryStream(bytes.Length);
        if (format == ScanFormat.Jpeg)
        {
            WalkJpeg(bytes, output);
        }
        else
        {
            WalkPng(bytes, output);
        }

        return output.ToArray();
    }

    private static (int, int) WalkJpeg(ReadOnlySpan<byte> b, MemoryStream? output)
    {
        output?.Write(b[..2]);
        int pos = 2, width = 0, height = 0;
        var sawScan = false;
        while (true)
        {
            if (pos + 2 > b.Length || b[pos] != 0xFF)
            {
                throw new ScanFormatException("JPEG: a marker was expected here", offset: pos);
            }

            var marker = b[pos + 1];
            if (marker == 0xFF)
            {
                pos++; // fill byte
                continue;
            }

            if (marker == 0xD9)
            {
                output?.Write(b.Slice(pos, 2));
                if (!sawScan || width == 0)
                {
                    throw new ScanFormatException("JPEG: the image ends before a frame and a scan", offset: pos);
                }

                return (width, height);
            }

            if (marker is >= 0xD0 and <= 0xD7 or 0x01)
            {
                output?.Write(b.Slice(pos, 2));
                pos += 2;
                continue;
            }

            if (pos + 4 > b.Length)
            {
                throw new ScanFormatException("JPEG: truncated segment", offset: pos);
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(b[(pos + 2)..]);
            if (length < 2 || pos + 2 + length > b.Length)
            {
                throw new ScanFormatException("JPEG: a segment runs past the end of the file", offset: pos);
            }

            var segment = b.Slice(pos, 2 + length);
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (length < 8)
                {
                    throw new ScanFormatException("JPEG: frame header too short", offset: pos);
                }

                height = BinaryPrimitives.ReadUInt16BigEndian(segment[5..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(segment[7..]);
            }

            if (output is not null && Keep(marker, segment[4..]))
            {
                output.Write(segment);
            }

            pos += 2 + length;
            if (marker == 0xDA)
            {
                // Entropy-coded data runs to the next marker that is neither a stuffed 0xFF00 nor a restart.
                sawScan = true;
                var start = pos;
                while (pos + 1 < b.Length && !(b[pos] == 0xFF && b[pos + 1] != 0x00 && b[pos + 1] is not (>= 0xD0 and <= 0xD7)))
                {
                    pos++;
                }

                if (pos + 1 >= b.Length)
                {
                    throw new ScanFormatException("JPEG: the scan data has no end marker", offset: b.Length);
                }

                output?.Write(b[start..pos]);
            }
        }
    }

    /// <summary>APP0 (JFIF), APP2 colour profiles and APP14 (Adobe colour transform) stay; other APPn and comments go.</summary>
    private static bool Keep(byte marker, ReadOnlySpan<byte> payload) => marker switch
    {
        0xE0 => true,
        0xE2 => payload.StartsWith("ICC_PROFILE\0"u8),
        0xEE => payload.StartsWith("Adobe"u8),
        >= 0xE1 and <= 0xEF => false,
        0xFE => false,
        _ => true,
    };

    private static readonly string[] PngKept =
        ["IHDR", "PLTE", "IDAT", "IEND", "tRNS", "cHRM", "gAMA", "iCCP", "sBIT", "sRGB", "cICP", "bKGD", "hIST", "pHYs", "sPLT", "acTL", "fcTL", "fdAT"];

    private static (int, int) WalkPng(ReadOnlySpan<byte> b, MemoryStream? output)
    {
        output?.Write(PngSignature);
        int pos = PngSignature.Length, width = 0, height = 0;
        while (true)
        {
            if (pos + 12 > b.Length)
            {
                throw new ScanFormatException("PNG: truncated before IEND", offset: pos);
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(b[pos..]);
            if (length > int.MaxValue || pos + 12L + length > b.Length)
            {
                throw new ScanFormatException("PNG: a chunk runs past the end of the file", offset: pos);
            }

            var type = System.Text.Encoding.ASCII.GetString(b.Slice(pos + 4, 4));
            var chunk = b.Slice(pos, 12 + (int)length);
            if (Crc32(chunk[4..^4]) != BinaryPrimitives.ReadUInt32BigEndian(chunk[^4..]))
            {
                throw new ScanFormatException($"PNG: the CRC of chunk {type} does not match", offset: pos);
            }

            if (pos == PngSignature.Length)
            {
                if (type != "IHDR" || length != 13)
                {
                    throw new ScanFormatException("PNG: the first chunk is not IHDR", offset: pos);
                }

                width = (int)BinaryPrimitives.ReadUInt32BigEndian(chunk[8..]);
                height = (int)BinaryPrimitives.ReadUInt32BigEndian(chunk[12..]);
            }

            var critical = char.IsAsciiLetterUpper(type[0]);
            if (critical && Array.IndexOf(PngKept, type) < 0)
            {
                throw new ScanFormatException($"PNG: unknown critical chunk {type}", offset: pos);
            }

            if (output is not null && Array.IndexOf(PngKept, type) >= 0)
            {
                output.Write(chunk);
            }

            pos += chunk.Length;
            if (type == "IEND")
            {
                return (width, height);
            }
        }
    }

    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        }

        return c ^ 0xFFFFFFFFu;
    }
}
