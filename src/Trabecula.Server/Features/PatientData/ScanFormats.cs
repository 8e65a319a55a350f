using System.Text;
using Trabecula.Mesh;
using Trabecula.Mesh.Ply;
using Trabecula.Mesh.Stl;
using Trabecula.Mesh.Wavefront;

namespace Trabecula.Server.Features.PatientData;

/// <summary>The files an optical capture or model scan may hold (R-DATA-1), told apart by content.</summary>
public enum ScanFormat
{
    Stl,
    Ply,
    Obj,
    Jpeg,
    Png,
}

/// <summary>What was learnt from a scan file by reading it completely.</summary>
/// <param name="Format">The format its bytes show, whatever its name says.</param>
/// <param name="Mesh">The mesh of a 3-D scan (null for photos).</param>
/// <param name="Width">Pixels across, for photos.</param>
/// <param name="Height">Pixels down, for photos.</param>
public sealed record ScanContent(ScanFormat Format, Mesh.Mesh? Mesh, int? Width, int? Height);

/// <summary>A scan file that is not what it claims or is malformed: the 415/422 answer's text.</summary>
public sealed class ScanFormatException(string message, bool unsupported = false, long? offset = null, int? line = null) : Exception(message)
{
    public bool Unsupported { get; } = unsupported;

    public long? Offset { get; } = offset;

    public int? Line { get; } = line;
}

/// <summary>
/// Reads optical captures and model scans: STL, PLY and OBJ meshes through Trabecula.Mesh, JPEG
/// and PNG photos through <see cref="ImageMetadata"/>. The type is decided by the bytes (UP-05):
/// HTML, an executable or an SVG renamed .stl is refused as unsupported, never stored.
/// The derivative designers receive (R-DATA-6) carries the geometry or the pixels only: meshes are
/// rewritten as binary STL with a neutral header (an STL header, PLY comments and OBJ comments
/// are free text where scanners put names), photos lose their EXIF/XMP/IPTC and text chunks.
/// </summary>
public static class ScanFormats
{
    public static ScanFormat Detect(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith("ply\n"u8) || bytes.StartsWith("ply\r\n"u8))
        {
            return ScanFormat.Ply;
        }

        if (bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
        {
            return ScanFormat.Jpeg;
        }

        if (bytes.StartsWith(ImageMetadata.PngSignature))
        {
            return ScanFormat.Png;
        }

        var text = FirstStatement(bytes);
        if (bytes.Length >= 84 && text.Length == 0)
        {
            // Binary STL has no magic number: its triangle count must fit the size. A count that
            // is off by less than half (a truncated or padded STL) is a broken STL (422, with the
            // reader's reason), anything else binary is not a scan at all (415).
            var declared = 84 + (50L * BitConverter.ToUInt32(bytes[80..84]));
            if (declared == bytes.Length || (declared > 84 && declared < 2L * bytes.Length && declared > bytes.Length / 2))
            {
                return ScanFormat.Stl;
            }
        }

        if (text.StartsWith("solid", StringComparison.Ordinal))
        {
            return ScanFormat.Stl;
        }

        if (text.Split(' ', 2)[0] is "v" or "vn" or "vt" or "f" or "o" or "g" or "mtllib" or "usemtl" or "s")
        {
            return ScanFormat.Obj;
        }

        throw new ScanFormatException("Not a scan this platform reads: STL, PLY or OBJ meshes and JPEG or PNG photos are accepted.", unsupported: true);
    }

    /// <summary>Reads the whole file; a malformed one raises <see cref="ScanFormatException"/> with where it failed.</summary>
    public static ScanContent Read(ReadOnlyMemory<byte> bytes)
    {
        var format = Detect(bytes.Span);
        try
        {
            switch (format)
            {
                case ScanFormat.Jpeg:
                case ScanFormat.Png:
                    var (width, height) = ImageMetadata.Dimensions(format, bytes.Span);
                    return new ScanContent(format, null, width, height);
                default:
                    using (var stream = new MemoryStream(bytes.ToArray(), writable: false))
                    {
                        var mesh = format switch
                        {
                            ScanFormat.Stl => StlReader.ReadMesh(stream),
                            ScanFormat.Ply => PlyReader.ReadMesh(stream),
                            _ => ObjReader.ReadMesh(stream),
                        };
                        if (mesh.TriangleCount == 0)
                        {
                            throw new ScanFormatException($"The {format} file holds no triangles.");
                        }

                        return new ScanContent(format, mesh, null, null);
                    }
            }
        }
        catch (MeshFormatException ex)
        {
            throw new ScanFormatException($"{format}: {ex.Reason ?? ex.Message}", offset: ex.Offset >= 0 ? ex.Offset : null, line: ex.Line > 0 ? ex.Line : null);
        }
    }

    /// <summary>The designer's copy: geometry as binary STL with a neutral header, or the photo without its metadata.</summary>
    public static (byte[] Bytes, string MediaType, string Extension) Derivative(ScanContent content, ReadOnlySpan<byte> original, string pseudonym)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.Mesh is { } mesh)
        {
            using var output = new MemoryStream();
            StlWriter.WriteBinary(output, mesh, "Trabecula scan " + pseudonym);
            return (output.ToArray(), "model/stl", "stl");
        }

        return (ImageMetadata.Strip(content.Format, original), content.Format == ScanFormat.Jpeg ? "image/jpeg" : "image/png", content.Format == ScanFormat.Jpeg ? "jpg" : "png");
    }

    public static string MediaType(ScanFormat format) => format switch
    {
        ScanFormat.Stl => "model/stl",
        ScanFormat.Ply => "application/x-ply",
        ScanFormat.Obj => "model/obj",
        ScanFormat.Jpeg => "image/jpeg",
        _ => "image/png",
    };

    /// <summary>The first line that is not blank or a comment, for telling text formats apart.</summary>
    private static string FirstStatement(ReadOnlySpan<byte> bytes)
    {
        var head = bytes[..Math.Min(bytes.Length, 4096)];
        foreach (var b in head)
        {
            if (b is < 0x09 or (> 0x0D and < 0x20) || b == 0x7F)
            {
                return ""; // binary bytes: not a text mesh
            }
        }

        foreach (var raw in Encoding.UTF8.GetString(head).Split('\n'))
        {
            var line = raw.Trim().Replace('\t', ' ');
            if (line.Length > 0 && !line.StartsWith('#'))
            {
                return line;
            }
        }

        return "";
    }
}
