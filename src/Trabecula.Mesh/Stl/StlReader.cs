using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Trabecula.Mesh.Stl;

/// <summary>The two encodings of STL.</summary>
public enum StlEncoding
{
    /// <summary>80-byte header, 32-bit triangle count, 50 bytes per triangle.</summary>
    Binary,

    /// <summary>Text: <c>solid</c>, <c>facet normal</c>, <c>outer loop</c>, three <c>vertex</c> lines.</summary>
    Ascii,
}

/// <summary>
/// Reads binary and ASCII STL and streams the triangles to an <see cref="ITriangleSink"/>. Nothing
/// is allocated from the declared triangle count: binary triangles are read in fixed-size blocks.
/// Normals in the file are ignored (they are recomputed from the winding where needed).
/// </summary>
public static class StlReader
{
    private const int HeaderSize = 80;
    private const int RecordSize = 50;
    private const int MaxTokenLength = 256;

    /// <summary>Reads <paramref name="path"/> into a welded <see cref="Mesh"/> in millimetres.</summary>
    public static Mesh ReadMesh(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadMesh(stream);
    }

    /// <summary>Reads <paramref name="stream"/> into a welded <see cref="Mesh"/> in millimetres.</summary>
    public static Mesh ReadMesh(Stream stream)
    {
        var builder = new MeshBuilder(LengthUnit.Millimeter);
        Read(stream, builder);
        return builder.Build();
    }

    /// <summary>
    /// Reads STL from <paramref name="stream"/> and sends each triangle to <paramref name="sink"/>.
    /// The encoding is detected: a seekable stream whose length is exactly 84 + 50 × count is binary
    /// even when its header starts with "solid"; otherwise text starting with "solid" is ASCII.
    /// </summary>
    /// <returns>The encoding that was read.</returns>
    /// <exception cref="MeshFormatException">The data is not well-formed STL.</exception>
    public static StlEncoding Read(Stream stream, ITriangleSink sink)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sink);

        var head = new byte[HeaderSize + 4];
        var length = stream.CanSeek ? stream.Length - stream.Position : -1;
        var got = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (IsAscii(length, head.AsSpan(0, got)))
        {
            var prefix = new MemoryStream(head, 0, got, writable: false);
            ReadAscii(new ConcatStream(prefix, stream), sink);
            return StlEncoding.Ascii;
        }

        if (got < head.Length)
        {
            throw new MeshFormatException("Binary STL is shorter than its 84-byte header.", got, 0);
        }

        ReadBinary(stream, length, head, sink);
        return StlEncoding.Binary;
    }

    private static bool IsAscii(long length, ReadOnlySpan<byte> head)
    {
        var trimmed = head.TrimStart(" \t\r\n"u8);
        if (!trimmed.StartsWith("solid"u8))
        {
            return false;
        }

        if (head.Length == HeaderSize + 4 && length >= 0)
        {
            var count = BinaryPrimitives.ReadUInt32LittleEndian(head[HeaderSize..]);
            if (length == HeaderSize + 4 + ((long)count * RecordSize))
            {
                return false;
            }
        }

        // Text has no control bytes other than whitespace; a binary header padded with zeros does.
        foreach (var b in head)
        {
            if (b < 0x20 && b != (byte)'\t' && b != (byte)'\r' && b != (byte)'\n')
            {
                return false;
            }
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadBinary(Stream stream, long length, byte[] head, ITriangleSink sink)
    {
        long count = BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(HeaderSize));
        if (length >= 0)
        {
            var expected = HeaderSize + 4 + (count * RecordSize);
            if (length != expected)
            {
                throw new MeshFormatException(
                    FormattableString.Invariant($"Binary STL declares {count} triangles ({expected} bytes) but the file has {length} bytes."),
                    HeaderSize,
                    0);
            }
        }

        if (length >= 0 && sink is MeshBuilder builder && count <= int.MaxValue / 3)
        {
            // The file's length has proven the count: every declared triangle is really there.
            builder.EnsureCapacity((int)count);
        }

        // A file whose length proves the count is read in blocks of up to 1 MiB (few read calls);
        // a forward-only stream, whose count is only a claim, in 50 KiB blocks.
        var blockRecords = length >= 0 ? 20 * 1024 : 1024;
        var block = new byte[(int)Math.Clamp(count, 1, blockRecords) * RecordSize];
        // A mesh builder takes the block's corners at once (it prefetches its weld table ahead).
        var builderSink = sink as MeshBuilder;
        var corners = builderSink is null ? null : new Vector3[block.Length / RecordSize * 3];
        long offset = HeaderSize + 4;
        var remaining = count;
        while (remaining > 0)
        {
            var records = (int)Math.Min(remaining, block.Length / RecordSize);
            var want = records * RecordSize;
            var read = stream.ReadAtLeast(block, want, throwOnEndOfStream: false);
            if (read < want)
            {
                throw new MeshFormatException(
                    FormattableString.Invariant($"Binary STL ends after {((offset - HeaderSize - 4) + read) / RecordSize} of {count} declared triangles."),
                    offset + read,
                    0);
            }

            for (var r = 0; r < records; r++)
            {
                var record = block.AsSpan(r * RecordSize, RecordSize);
                var a = ReadVertex(record[12..], offset + (r * RecordSize) + 12);
                var b = ReadVertex(record[24..], offset + (r * RecordSize) + 24);
                var c = ReadVertex(record[36..], offset + (r * RecordSize) + 36);
                if (corners is null)
                {
                    sink.Add(new Triangle(a, b, c));
                }
                else
                {
                    corners[3 * r] = a;
                    corners[(3 * r) + 1] = b;
                    corners[(3 * r) + 2] = c;
                }
            }

            builderSink?.AddCorners(corners.AsSpan(0, 3 * records));

            offset += want;
            remaining -= records;
        }

        if (length < 0 && stream.ReadByte() >= 0)
        {
            throw new MeshFormatException("Binary STL has bytes after its declared triangles.", offset, 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector3 ReadVertex(ReadOnlySpan<byte> bytes, long offset)
    {
        var x = BinaryPrimitives.ReadSingleLittleEndian(bytes);
        var y = BinaryPrimitives.ReadSingleLittleEndian(bytes[4..]);
        var z = BinaryPrimitives.ReadSingleLittleEndian(bytes[8..]);
        if (!float.IsFinite(x) || !float.IsFinite(y) || !float.IsFinite(z))
        {
            throw new MeshFormatException("Vertex coordinate is NaN or infinite.", offset, 0);
        }

        return new Vector3(x, y, z);
    }

    private static void ReadAscii(Stream stream, ITriangleSink sink)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII, detectEncodingFromByteOrderMarks: false, bufferSize: 65536, leaveOpen: true);
        var tokens = new Tokenizer(reader);
        tokens.Expect("solid");
        tokens.SkipLine();
        while (true)
        {
            var token = tokens.Next() ?? throw tokens.Error("Unexpected end of file: missing 'endsolid'.");
            if (token == "endsolid")
            {
                tokens.SkipLine();
                var after = tokens.Next();
                if (after is null)
                {
                    return;
                }

                // Some exporters write several solids one after another.
                if (after != "solid")
                {
                    throw tokens.Error("Expected 'solid' or end of file after 'endsolid', found '" + after + "'.");
                }

                tokens.SkipLine();
                continue;
            }

            if (token != "facet")
            {
                throw tokens.Error("Expected 'facet' or 'endsolid', found '" + token + "'.");
            }

            tokens.Expect("normal");
            tokens.Number();
            tokens.Number();
            tokens.Number();
            tokens.Expect("outer");
            tokens.Expect("loop");
            var a = tokens.Vertex();
            var b = tokens.Vertex();
            var c = tokens.Vertex();
            tokens.Expect("endloop");
            tokens.Expect("endfacet");
            sink.Add(new Triangle(a, b, c));
        }
    }

    private sealed class Tokenizer(StreamReader reader)
    {
        private readonly StringBuilder _token = new();
        private int _line = 1;

        public MeshFormatException Error(string message) => new(message, -1, _line);

        public string? Next()
        {
            int ch;
            while ((ch = reader.Read()) >= 0 && char.IsWhiteSpace((char)ch))
            {
                if (ch == '\n')
                {
                    _line++;
                }
            }

            if (ch < 0)
            {
                return null;
            }

            _token.Clear();
            _token.Append((char)ch);
            while ((ch = reader.Peek()) >= 0 && !char.IsWhiteSpace((char)ch))
            {
                if (_token.Length >= MaxTokenLength)
                {
                    throw Error("Token longer than " + MaxTokenLength.ToString(CultureInfo.InvariantCulture) + " characters.");
                }

                _token.Append((char)reader.Read());
            }

            return _token.ToString();
        }

        public void SkipLine()
        {
            int ch;
            while ((ch = reader.Read()) >= 0 && ch != '\n')
            {
            }

            if (ch == '\n')
            {
                _line++;
            }
        }

        public void Expect(string keyword)
        {
            var token = Next() ?? throw Error("Unexpected end of file: expected '" + keyword + "'.");
            if (token != keyword)
            {
                throw Error("Expected '" + keyword + "', found '" + token + "'.");
            }
        }

        public float Number()
        {
            var token = Next() ?? throw Error("Unexpected end of file: expected a number.");
            if (!float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                throw Error("Not a number: '" + token + "'.");
            }

            if (!float.IsFinite(value))
            {
                throw Error("Coordinate is NaN or infinite: '" + token + "'.");
            }

            return value;
        }

        public Vector3 Vertex()
        {
            Expect("vertex");
            return new Vector3(Number(), Number(), Number());
        }
    }
}
