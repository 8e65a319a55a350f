using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Trabecula.Mesh.Ply;

/// <summary>The encodings of the PLY body.</summary>
public enum PlyEncoding
{
    /// <summary>Whitespace-separated numbers, one element per line.</summary>
    Ascii,

    /// <summary>Packed little-endian values.</summary>
    BinaryLittleEndian,

    /// <summary>Packed big-endian values.</summary>
    BinaryBigEndian,
}

/// <summary>
/// Reads the Polygon File Format (Stanford PLY), the format laser and structured-light scanners
/// export: a text header declaring elements and their properties, then an ASCII or binary body.
/// The <c>vertex</c> element's x, y, z and the <c>face</c> element's vertex index list make the
/// mesh; every other property and element is read past. Polygons are split into a fan of
/// triangles. PLY has no unit; scanners write millimetres, and so the mesh is taken to be.
/// </summary>
/// <remarks>
/// Declared counts are not trusted: nothing is allocated from them, a seekable stream too short
/// for the declared vertices fails before reading them, and every read is checked against the
/// bytes actually present. Malformed input raises <see cref="MeshFormatException"/> with the byte
/// offset (binary) or line (header, ASCII body).
/// </remarks>
public static class PlyReader
{
    private const int MaxHeaderBytes = 64 * 1024;
    private const int MaxPolygonCorners = 1024;

    /// <summary>Reads a PLY file into an indexed mesh.</summary>
    public static Mesh ReadMesh(Stream stream)
    {
        var builder = new MeshBuilder();
        Read(stream, builder);
        return builder.Build();
    }

    /// <summary>Streams the triangles of a PLY file to <paramref name="sink"/> and returns the body's encoding.</summary>
    public static PlyEncoding Read(Stream stream, ITriangleSink sink)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sink);
        var input = new PlyInput(stream);
        var header = PlyHeader.Read(input);
        var vertices = new List<Vector3>();
        var seenVertices = false;
        foreach (var element in header.Elements)
        {
            if (element.Name == "vertex")
            {
                if (header.Encoding != PlyEncoding.Ascii && element.FixedStride is { } stride && stream.CanSeek
                    && element.Count * stride > stream.Length - input.Position)
                {
                    throw new MeshFormatException($"The header declares {element.Count} vertices, more than the file holds", input.Position, 0);
                }

                ReadVertices(input, header, element, vertices);
                seenVertices = true;
            }
            else if (element.Name == "face")
            {
                if (!seenVertices)
                {
                    throw new MeshFormatException("Faces come before the vertex element", input.Position, input.BodyLine(header.Encoding));
                }

                ReadFaces(input, header, element, vertices, sink);
            }
            else
            {
                for (long i = 0; i < element.Count; i++)
                {
                    foreach (var property in element.Properties)
                    {
                        Skip(input, header.Encoding, property);
                    }

                    input.EndRecord(header.Encoding);
                }
            }
        }

        return header.Encoding;
    }

    private static void ReadVertices(PlyInput input, PlyHeader header, PlyElement element, List<Vector3> vertices)
    {
        int x = element.IndexOf("x"), y = element.IndexOf("y"), z = element.IndexOf("z");
        if (x < 0 || y < 0 || z < 0)
        {
            throw new MeshFormatException("The vertex element has no x, y and z properties", input.Position, input.BodyLine(header.Encoding));
        }

        Span<double> position = stackalloc double[3];
        for (long i = 0; i < element.Count; i++)
        {
            for (var p = 0; p < element.Properties.Count; p++)
            {
                var property = element.Properties[p];
                if (property.IsList)
                {
                    Skip(input, header.Encoding, property);
                    continue;
                }

                var value = input.ReadScalar(header.Encoding, property.Type);
                if (p == x || p == y || p == z)
                {
                    if (!double.IsFinite(value))
                    {
                        throw new MeshFormatException($"Vertex {i} has a coordinate that is not a finite number", input.Position, input.BodyLine(header.Encoding));
                    }

                    position[p == x ? 0 : p == y ? 1 : 2] = value;
                }
            }

            input.EndRecord(header.Encoding);
            vertices.Add(new Vector3((float)position[0], (float)position[1], (float)position[2]));
        }
    }

    private static void ReadFaces(PlyInput input, PlyHeader header, PlyElement element, List<Vector3> vertices, ITriangleSink sink)
    {
        var list = element.IndexOf("vertex_indices");
        if (list < 0)
        {
            list = element.IndexOf("vertex_index");
        }

        if (list < 0 || !element.Properties[list].IsList)
        {
            throw new MeshFormatException("The face element has no vertex_indices list", input.Position, input.BodyLine(header.Encoding));
        }

        var corners = new int[MaxPolygonCorners];
        for (long i = 0; i < element.Count; i++)
        {
            var count = 0;
            for (var p = 0; p < element.Properties.Count; p++)
            {
                var property = element.Properties[p];
                if (p != list)
                {
                    Skip(input, header.Encoding, property);
                    continue;
                }

                var n = input.ReadCount(header.Encoding, property.CountType);
                if (n is < 3 or > MaxPolygonCorners)
                {
                    throw new MeshFormatException($"Face {i} has {n} corners (3 to {MaxPolygonCorners} are accepted)", input.Position, input.BodyLine(header.Encoding));
                }

                for (var c = 0; c < n; c++)
                {
                    var index = input.ReadScalar(header.Encoding, property.Type);
                    if (index < 0 || index >= vertices.Count || index != Math.Floor(index))
                    {
                        throw new MeshFormatException($"Face {i} names vertex {index.ToString(CultureInfo.InvariantCulture)}, outside 0..{vertices.Count - 1}", input.Position, input.BodyLine(header.Encoding));
                    }

                    corners[c] = (int)index;
                }

                count = (int)n;
            }

            input.EndRecord(header.Encoding);
            for (var c = 1; c + 1 < count; c++)
            {
                sink.Add(new Triangle(vertices[corners[0]], vertices[corners[c]], vertices[corners[c + 1]]));
            }
        }
    }

    private static void Skip(PlyInput input, PlyEncoding encoding, PlyProperty property)
    {
        if (!property.IsList)
        {
            input.ReadScalar(encoding, property.Type);
            return;
        }

        var n = input.ReadCount(encoding, property.CountType);
        if (n > MaxPolygonCorners * 64)
        {
            throw new MeshFormatException($"A list property holds {n} items", input.Position, input.BodyLine(encoding));
        }

        for (var k = 0; k < n; k++)
        {
            input.ReadScalar(encoding, property.Type);
        }
    }

    /// <summary>The scalar types of PLY, by both their old and their sized names.</summary>
    internal enum PlyType
    {
        Int8,
        UInt8,
        Int16,
        UInt16,
        Int32,
        UInt32,
        Float32,
        Float64,
    }

    internal sealed record PlyProperty(string Name, PlyType Type, bool IsList, PlyType CountType);

    internal sealed record PlyElement(string Name, long Count, List<PlyProperty> Properties)
    {
        public int IndexOf(string name) => Properties.FindIndex(p => p.Name == name);

        /// <summary>Bytes per record in a binary body, when no property is a list.</summary>
        public long? FixedStride => Properties.Any(p => p.IsList) ? null : Properties.Sum(p => (long)SizeOf(p.Type));
    }

    internal static int SizeOf(PlyType type) => type switch
    {
        PlyType.Int8 or PlyType.UInt8 => 1,
        PlyType.Int16 or PlyType.UInt16 => 2,
        PlyType.Int32 or PlyType.UInt32 or PlyType.Float32 => 4,
        _ => 8,
    };

    private sealed record PlyHeader(PlyEncoding Encoding, List<PlyElement> Elements)
    {
        public static PlyHeader Read(PlyInput input)
        {
            if (input.ReadHeaderLine() != "ply")
            {
                throw new MeshFormatException("Not a PLY file: the first line is not 'ply'", 0, 1);
            }

            PlyEncoding? encoding = null;
            var elements = new List<PlyElement>();
            while (true)
            {
                var line = input.ReadHeaderLine();
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length == 0 || words[0] is "comment" or "obj_info")
                {
                    continue;
                }

                switch (words[0])
                {
                    case "format" when words.Length == 3 && words[2] == "1.0":
                        encoding = words[1] switch
                        {
                            "ascii" => PlyEncoding.Ascii,
                            "binary_little_endian" => PlyEncoding.BinaryLittleEndian,
                            "binary_big_endian" => PlyEncoding.BinaryBigEndian,
                            _ => throw new MeshFormatException($"Unknown PLY format '{words[1]}'", -1, input.Line),
                        };
                        break;
                    case "element" when words.Length == 3:
                        if (!long.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                        {
                            throw new MeshFormatException($"Element '{words[1]}' has no valid count", -1, input.Line);
                        }

                        elements.Add(new PlyElement(words[1], count, []));
                        break;
                    case "property" when elements.Count > 0 && words.Length == 3:
                        elements[^1].Properties.Add(new PlyProperty(words[2], TypeOf(words[1], input.Line), false, PlyType.UInt8));
                        break;
                    case "property" when elements.Count > 0 && words.Length == 5 && words[1] == "list":
                        var countType = TypeOf(words[2], input.Line);
                        if (countType is PlyType.Float32 or PlyType.Float64)
                        {
                            throw new MeshFormatException("A list count must be an integer type", -1, input.Line);
                        }

                        elements[^1].Properties.Add(new PlyProperty(words[4], TypeOf(words[3], input.Line), true, countType));
                        break;
                    case "end_header":
                        return new PlyHeader(encoding ?? throw new MeshFormatException("The header has no format line", -1, input.Line), elements);
                    default:
                        throw new MeshFormatException($"Unexpected header line '{Shorten(line)}'", -1, input.Line);
                }
            }
        }

        private static PlyType TypeOf(string name, int line) => name switch
        {
            "char" or "int8" => PlyType.Int8,
            "uchar" or "uint8" => PlyType.UInt8,
            "short" or "int16" => PlyType.Int16,
            "ushort" or "uint16" => PlyType.UInt16,
            "int" or "int32" => PlyType.Int32,
            "uint" or "uint32" => PlyType.UInt32,
            "float" or "float32" => PlyType.Float32,
            "double" or "float64" => PlyType.Float64,
            _ => throw new MeshFormatException($"Unknown PLY type '{Shorten(name)}'", -1, line),
        };

        private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
    }

    /// <summary>Buffered reading of the header lines, then of binary values or ASCII tokens.</summary>
    private sealed class PlyInput(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;
        private long _consumedBefore;

        public long Position => _consumedBefore + _start;

        public int Line { get; private set; }

        /// <summary>The 1-based line being read in an ASCII body (0 in a binary one, whose errors give the offset).</summary>
        public int BodyLine(PlyEncoding encoding) => encoding == PlyEncoding.Ascii ? Line + 1 : 0;

        public string ReadHeaderLine()
        {
            var bytes = new List<byte>();
            while (true)
            {
                var b = ReadByte();
                if (b < 0)
                {
                    throw new MeshFormatException("The PLY header ends before end_header", Position, Line + 1);
                }

                if (b == '\n')
                {
                    Line++;
                    if (bytes.Count > 0 && bytes[^1] == '\r')
                    {
                        bytes.RemoveAt(bytes.Count - 1);
                    }

                    // Keywords are ASCII; comments from Chinese scanner software are often UTF-8.
                    return Encoding.UTF8.GetString([.. bytes]);
                }

                if (Position > MaxHeaderBytes || b is < 0x20 and not '\r' and not '\t' || b == 0x7F)
                {
                    throw new MeshFormatException("Not a PLY header: binary bytes or a header over 64 KiB", Position - 1, 0);
                }

                bytes.Add((byte)b);
            }
        }

        public double ReadScalar(PlyEncoding encoding, PlyType type)
        {
            if (encoding == PlyEncoding.Ascii)
            {
                return ReadToken();
            }

            var size = SizeOf(type);
            var span = Take(size);
            var little = encoding == PlyEncoding.BinaryLittleEndian;
            return type switch
            {
                PlyType.Int8 => (sbyte)span[0],
                PlyType.UInt8 => span[0],
                PlyType.Int16 => little ? BinaryPrimitives.ReadInt16LittleEndian(span) : BinaryPrimitives.ReadInt16BigEndian(span),
                PlyType.UInt16 => little ? BinaryPrimitives.ReadUInt16LittleEndian(span) : BinaryPrimitives.ReadUInt16BigEndian(span),
                PlyType.Int32 => little ? BinaryPrimitives.ReadInt32LittleEndian(span) : BinaryPrimitives.ReadInt32BigEndian(span),
                PlyType.UInt32 => little ? BinaryPrimitives.ReadUInt32LittleEndian(span) : BinaryPrimitives.ReadUInt32BigEndian(span),
                PlyType.Float32 => little ? BinaryPrimitives.ReadSingleLittleEndian(span) : BinaryPrimitives.ReadSingleBigEndian(span),
                _ => little ? BinaryPrimitives.ReadDoubleLittleEndian(span) : BinaryPrimitives.ReadDoubleBigEndian(span),
            };
        }

        public long ReadCount(PlyEncoding encoding, PlyType type)
        {
            var value = ReadScalar(encoding, type);
            if (value < 0 || value != Math.Floor(value))
            {
                throw new MeshFormatException($"A list count of {value.ToString(CultureInfo.InvariantCulture)}", Position, BodyLine(encoding));
            }

            return (long)value;
        }

        /// <summary>In an ASCII body every record is one line: nothing may follow its last value.</summary>
        public void EndRecord(PlyEncoding encoding)
        {
            if (encoding != PlyEncoding.Ascii)
            {
                return;
            }

            while (true)
            {
                var b = PeekByte();
                if (b is ' ' or '\t' or '\r')
                {
                    _start++;
                    continue;
                }

                if (b == '\n')
                {
                    _start++;
                    Line++;
                    return;
                }

                if (b < 0)
                {
                    return;
                }

                throw new MeshFormatException("More values on the line than the header declares", Position, Line + 1);
            }
        }

        private double ReadToken()
        {
            Span<byte> token = stackalloc byte[64];
            var length = 0;
            while (true)
            {
                var b = PeekByte();
                if (b is ' ' or '\t' or '\r')
                {
                    _start++;
                    continue;
                }

                if (b == '\n')
                {
                    throw new MeshFormatException("Fewer values on the line than the header declares", Position, Line + 1);
                }

                break;
            }

            while (true)
            {
                var b = PeekByte();
                if (b < 0 || b is ' ' or '\t' or '\r' or '\n')
                {
                    break;
                }

                if (length == token.Length)
                {
                    throw new MeshFormatException("A value longer than 64 characters", Position, Line + 1);
                }

                token[length++] = (byte)b;
                _start++;
            }

            if (length == 0)
            {
                throw new MeshFormatException("The body ends before the declared elements", Position, Line + 1);
            }

            Span<char> chars = stackalloc char[64];
            for (var i = 0; i < length; i++)
            {
                chars[i] = (char)token[i];
            }

            if (!double.TryParse(chars[..length], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                throw new MeshFormatException($"'{new string(chars[..length])}' is not a number", Position - length, Line + 1);
            }

            return value;
        }

        private ReadOnlySpan<byte> Take(int size)
        {
            if (_end - _start < size && !Fill(size))
            {
                throw new MeshFormatException("The body ends before the declared elements", Position, 0);
            }

            var span = _buffer.AsSpan(_start, size);
            _start += size;
            return span;
        }

        private int ReadByte()
        {
            var b = PeekByte();
            if (b >= 0)
            {
                _start++;
            }

            return b;
        }

        private int PeekByte() => _start < _end || Fill(1) ? _buffer[_start] : -1;

        /// <summary>Makes at least <paramref name="needed"/> bytes available; false at the end of the stream.</summary>
        private bool Fill(int needed)
        {
            if (_start > 0)
            {
                var remaining = _end - _start;
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, remaining);
                _consumedBefore += _start;
                _start = 0;
                _end = remaining;
            }

            while (_end < needed)
            {
                var read = stream.Read(_buffer, _end, _buffer.Length - _end);
                if (read == 0)
                {
                    return false;
                }

                _end += read;
            }

            return true;
        }
    }
}
