using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Trabecula.Mesh.Stl;

/// <summary>Writes a <see cref="Mesh"/> as binary or ASCII STL (coordinates as they are, no unit).</summary>
public static class StlWriter
{
    /// <summary>Writes binary STL; the 80-byte header holds <paramref name="header"/> (ASCII, truncated).</summary>
    public static void WriteBinary(Stream stream, Mesh mesh, string header = "Trabecula")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentNullException.ThrowIfNull(header);
        Span<byte> head = stackalloc byte[84];
        head.Clear();
        var text = Encoding.ASCII.GetBytes(header);
        text.AsSpan(0, Math.Min(text.Length, 80)).CopyTo(head);
        if (head.StartsWith("solid"u8))
        {
            // A binary header must not look like ASCII STL to naive readers.
            head[..5].Fill((byte)'_');
        }

        BinaryPrimitives.WriteUInt32LittleEndian(head[80..], (uint)mesh.TriangleCount);
        stream.Write(head);
        Span<byte> record = stackalloc byte[50];
        for (var i = 0; i < mesh.TriangleCount; i++)
        {
            var t = mesh.GetTriangle(i);
            var n = t.ComputeNormal();
            record.Clear();
            Span<float> values = [n.X, n.Y, n.Z, t.A.X, t.A.Y, t.A.Z, t.B.X, t.B.Y, t.B.Z, t.C.X, t.C.Y, t.C.Z];
            for (var k = 0; k < values.Length; k++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(record[(4 * k)..], values[k]);
            }

            stream.Write(record);
        }
    }

    /// <summary>Writes ASCII STL with round-trippable invariant-culture numbers.</summary>
    public static void WriteAscii(Stream stream, Mesh mesh, string name = "Trabecula")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentNullException.ThrowIfNull(name);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 65536, leaveOpen: true) { NewLine = "\n" };
        var safeName = name.ReplaceLineEndings(" ");
        writer.WriteLine("solid " + safeName);
        for (var i = 0; i < mesh.TriangleCount; i++)
        {
            var t = mesh.GetTriangle(i);
            var n = t.ComputeNormal();
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  facet normal {n.X:R} {n.Y:R} {n.Z:R}"));
            writer.WriteLine("    outer loop");
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"      vertex {t.A.X:R} {t.A.Y:R} {t.A.Z:R}"));
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"      vertex {t.B.X:R} {t.B.Y:R} {t.B.Z:R}"));
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"      vertex {t.C.X:R} {t.C.Y:R} {t.C.Z:R}"));
            writer.WriteLine("    endloop");
            writer.WriteLine("  endfacet");
        }

        writer.WriteLine("endsolid " + safeName);
    }
}
