using Trabecula.Mesh;
using Trabecula.Mesh.Amf;
using Trabecula.Mesh.Stl;
using Trabecula.Mesh.ThreeMf;

namespace Trabecula.Server.Features.Designs;

/// <summary>Reading what a designer uploads: AM models through Trabecula.Mesh, the report by its PDF magic bytes.</summary>
internal static class DesignUploads
{
    /// <summary>At most this many models per version.</summary>
    public const int MaxModels = 10;

    /// <summary>The format the name asks for; the parse decides whether it is one. STL otherwise (binary or ASCII by content).</summary>
    public static string FormatFor(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".amf" => "amf",
        ".3mf" => "3mf",
        _ => "stl",
    };

    /// <summary>Parses a model completely; throws <see cref="MeshFormatException"/> with its offset or line.</summary>
    public static Mesh.Mesh Read(string format, byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return format switch
        {
            "amf" => AmfReader.Read(stream).ToMesh(),
            "3mf" => ThreeMfReader.Read(stream).Mesh,
            _ => StlReader.ReadMesh(stream),
        };
    }

    /// <summary>A PDF starts with "%PDF-" (ISO 32000-1 7.5.2); anything else is not a design report.</summary>
    public static bool IsPdf(ReadOnlySpan<byte> bytes) => bytes.StartsWith("%PDF-"u8);

    /// <summary>A display name: the last path segment, control and path characters removed, at most 200 characters.</summary>
    public static string CleanName(string? fileName, string fallback)
    {
        var name = Path.GetFileName((fileName ?? "").Replace('\\', '/'));
        name = new string([.. name.Where(c => !char.IsControl(c) && c is not ('/' or ':' or '"' or '<' or '>' or '|' or '*' or '?'))]).Trim();
        if (name.Length == 0 || name is "." or "..")
        {
            name = fallback;
        }

        return name.Length > 200 ? name[^200..] : name;
    }

    /// <summary>Printable as a solid: closed, manifold, consistently oriented.</summary>
    public static bool IsValid(MeshReport report) => report.Closed && report.Manifold && report.ConsistentlyOriented && report.Triangles > 0;
}
