using System.Globalization;
using System.Numerics;
using System.Text;

namespace Trabecula.Mesh.Wavefront;

/// <summary>
/// Reads the geometry of a Wavefront OBJ file, the text format intra-oral and surface scanners
/// and most modelling tools export: <c>v x y z [w]</c> vertices and <c>f</c> faces whose corners
/// are <c>v</c>, <c>v/vt</c>, <c>v//vn</c> or <c>v/vt/vn</c>, with negative indices counting back
/// from the latest vertex. Polygons are split into a fan of triangles. Texture coordinates,
/// normals, groups, materials, smoothing and free-form statements are read past (the mesh checks
/// need none of them). OBJ has no unit; scanners write millimetres, and so the mesh is taken to be.
/// </summary>
/// <remarks>
/// Lines are bounded (64 KiB, continuation lines included) and so are the corners of a polygon;
/// an index outside the vertices read so far, a coordinate that is not a finite number, or a
/// binary byte raises <see cref="MeshFormatException"/> with the line.
/// </remarks>
public static class ObjReader
{
    private const int MaxLineBytes = 64 * 1024;
    private const int MaxPolygonCorners = 1024;

    /// <summary>Reads an OBJ file into an indexed mesh.</summary>
    public static Mesh ReadMesh(Stream stream)
    {
        var builder = new MeshBuilder();
        Read(stream, builder);
        return builder.Build();
    }

    /// <summary>Streams the triangles of an OBJ file to <paramref name="sink"/>; returns the number of faces read.</summary>
    public static long Read(Stream stream, ITriangleSink sink)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sink);
        var vertices = new List<Vector3>();
        var corners = new int[MaxPolygonCorners];
        long faces = 0;
        var lineNumber = 0;
        var statementLine = 0;
        var line = new StringBuilder();
        using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: false), detectEncodingFromByteOrderMarks: true, 64 * 1024, leaveOpen: true);
        while (ReadLine(reader, line, ref lineNumber, out statementLine))
        {
            var text = line.ToString();
            var comment = text.IndexOf('#', StringComparison.Ordinal);
            var words = (comment >= 0 ? text[..comment] : text).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            switch (words[0])
            {
                case "v":
                    if (words.Length < 4)
                    {
                        throw new MeshFormatException("A vertex needs x, y and z", -1, statementLine);
                    }

                    vertices.Add(new Vector3(Coordinate(words[1], statementLine), Coordinate(words[2], statementLine), Coordinate(words[3], statementLine)));
                    break;
                case "f" or "fo":
                    var n = words.Length - 1;
                    if (n is < 3 or > MaxPolygonCorners)
                    {
                        throw new MeshFormatException($"A face has {n} corners (3 to {MaxPolygonCorners} are accepted)", -1, statementLine);
                    }

                    for (var c = 0; c < n; c++)
                    {
                        corners[c] = Corner(words[c + 1], vertices.Count, statementLine);
                    }

                    for (var c = 1; c + 1 < n; c++)
                    {
                        sink.Add(new Triangle(vertices[corners[0]], vertices[corners[c]], vertices[corners[c + 1]]));
                    }

                    faces++;
                    break;
                default:
                    // vt, vn, vp, g, o, s, l, p, usemtl, mtllib, curves and surfaces: not geometry the checks use.
                    break;
            }
        }

        return faces;
    }

    private static float Coordinate(string word, int line)
    {
        if (!float.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !float.IsFinite(value))
        {
            throw new MeshFormatException($"'{Shorten(word)}' is not a finite number", -1, line);
        }

        return value;
    }

    private static int Corner(string word, int vertexCount, int line)
    {
        var slash = word.IndexOf('/', StringComparison.Ordinal);
        var head = slash >= 0 ? word[..slash] : word;
        if (!int.TryParse(head, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index) || index == 0)
        {
            throw new MeshFormatException($"'{Shorten(word)}' is not a vertex reference", -1, line);
        }

        // 1-based from the start, or negative: -1 is the latest vertex read.
        var zeroBased = index > 0 ? index - 1 : vertexCount + index;
        if (zeroBased < 0 || zeroBased >= vertexCount)
        {
            throw new MeshFormatException($"Vertex {index} is not defined before this face ({vertexCount} so far)", -1, line);
        }

        return zeroBased;
    }

    /// <summary>One logical line (a trailing backslash joins the next), bounded in length.</summary>
    private static bool ReadLine(StreamReader reader, StringBuilder line, ref int lineNumber, out int firstLine)
    {
        line.Clear();
        firstLine = lineNumber + 1;
        var any = false;
        while (true)
        {
            var c = reader.Read();
            if (c < 0)
            {
                if (any)
                {
                    lineNumber++;
                }

                return any;
            }

            any = true;
            if (c == '\n')
            {
                lineNumber++;
                if (line.Length > 0 && line[^1] == '\r')
                {
                    line.Length--;
                }

                if (line.Length > 0 && line[^1] == '\\')
                {
                    line[^1] = ' ';
                    continue;
                }

                return true;
            }

            if (c is < 0x20 and not '\t' and not '\r' || c == 0xFFFD)
            {
                throw new MeshFormatException("Binary bytes in an OBJ file", -1, lineNumber + 1);
            }

            if (line.Length >= MaxLineBytes)
            {
                throw new MeshFormatException("A line longer than 64 KiB", -1, lineNumber + 1);
            }

            line.Append((char)c);
        }
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
