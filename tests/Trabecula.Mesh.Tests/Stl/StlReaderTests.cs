using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Trabecula.Mesh.Stl;
using Trabecula.Mesh.Tests.TestSupport;

namespace Trabecula.Mesh.Tests.Stl;

public sealed class StlReaderTests
{
    private sealed class CountingSink : ITriangleSink
    {
        public int Count { get; private set; }

        public void Add(in Triangle triangle) => Count++;
    }

    [Theory]
    [InlineData("asciistl", StlEncoding.Ascii)]
    [InlineData("binstl", StlEncoding.Binary)]
    [Trait("Requirement", "R-DATA-5")]
    public void Read_OpenScadSphere_MatchesAdmesh(string format, StlEncoding expected)
    {
        using var dir = new TempDir();
        var path = Tools.OpenScad(dir, "sphere(r=10, $fn=50);", "sphere.stl", format);
        var oracle = Tools.Admesh(path);

        var sink = new CountingSink();
        using (var stream = File.OpenRead(path))
        {
            Assert.Equal(expected, StlReader.Read(stream, sink));
        }

        Assert.Equal(oracle.Facets, sink.Count);
        var report = StlReader.ReadMesh(path).Check();
        Assert.Equal(oracle.Facets, report.Triangles);
        Assert.Equal(oracle.Volume, report.VolumeMm3, 0.01);
        Assert.Equal(oracle.Parts, report.Shells);
        Assert.Equal(oracle.MinX, report.BoundingBoxMinMm.X, 1e-4);
        Assert.Equal(oracle.MaxZ, report.BoundingBoxMaxMm.Z, 1e-4);
        Assert.True(report.Closed);
        Assert.True(report.Manifold);
        Assert.True(report.ConsistentlyOriented);
        Assert.Equal(0, report.DegenerateTriangles);
        // A sphere of radius 10 inscribed: area below 4πr² but close.
        Assert.InRange(report.AreaMm2, 0.98 * 4 * Math.PI * 100, 4 * Math.PI * 100);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Read_BinaryHeaderStartingWithSolid_IsReadAsBinary(bool seekable)
    {
        var bytes = BinaryCube();
        "solid but binary"u8.CopyTo(bytes);
        if (seekable)
        {
            // A header of text only: the length alone tells binary from ASCII.
            bytes.AsSpan(16, 64).Fill((byte)' ');
        }

        var sink = new CountingSink();
        Stream stream = seekable ? new MemoryStream(bytes) : new ForwardOnlyStream(bytes);
        Assert.Equal(StlEncoding.Binary, StlReader.Read(stream, sink));
        Assert.Equal(12, sink.Count);
    }

    [Fact]
    public void Read_BinaryAfterOtherData_UsesTheRemainingLength()
    {
        var cube = BinaryCube();
        var bytes = new byte[7 + cube.Length];
        "solid  "u8.CopyTo(bytes);
        cube.CopyTo(bytes, 7);
        using var stream = new MemoryStream(bytes) { Position = 7 };

        var sink = new CountingSink();
        Assert.Equal(StlEncoding.Binary, StlReader.Read(stream, sink));
        Assert.Equal(12, sink.Count);
    }

    [Fact]
    public void Read_BinaryCountDisagreesWithSize_ThrowsAtCountOffset()
    {
        var bytes = BinaryCube();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(80), 1_000_000_000);

        var e = Assert.Throws<MeshFormatException>(() => StlReader.Read(new MemoryStream(bytes), new CountingSink()));
        Assert.Equal(80, e.Offset);
    }

    [Fact]
    public void Read_TruncatedBinaryOnForwardOnlyStream_ThrowsAtEnd()
    {
        var bytes = BinaryCube()[..(84 + (50 * 5) + 7)];

        var e = Assert.Throws<MeshFormatException>(() => StlReader.Read(new ForwardOnlyStream(bytes), new CountingSink()));
        Assert.Equal(bytes.Length, e.Offset);
    }

    [Fact]
    public void Read_HugeDeclaredCountOnForwardOnlyStream_DoesNotAllocateFromCount()
    {
        var bytes = BinaryCube();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(80), uint.MaxValue);
        var before = GC.GetAllocatedBytesForCurrentThread();

        Assert.Throws<MeshFormatException>(() => StlReader.Read(new ForwardOnlyStream(bytes), new CountingSink()));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
    }

    [Fact]
    public void Read_LargeBinaryStream_StreamsInBoundedMemory()
    {
        const int Triangles = 2_000_000; // 100 MB of STL, generated as it is read
        var sink = new CountingSink();
        var before = GC.GetAllocatedBytesForCurrentThread();

        StlReader.Read(new GeneratedBinaryStl(Triangles), sink);

        Assert.Equal(Triangles, sink.Count);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
    }

    [Fact]
    public void Read_BinaryNaNCoordinate_ThrowsAtCoordinateOffset()
    {
        var bytes = BinaryCube();
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(84 + 50 + 24 + 4), float.NaN);

        var e = Assert.Throws<MeshFormatException>(() => StlReader.Read(new MemoryStream(bytes), new CountingSink()));
        Assert.Equal(84 + 50 + 24, e.Offset);
    }

    [Theory]
    [InlineData("solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid x\n", 1)]
    [InlineData("solid\r\n  facet normal 0 0 1\r\n    outer loop\r\n vertex 0 0 0\r\n vertex 1E0 0 0\r\n vertex 0 1 0\r\n endloop\r\n endfacet\r\nendsolid\r\n", 1)]
    [InlineData("solid a\nendsolid a\nsolid b\nfacet normal 0 0 1 outer loop vertex 0 0 0 vertex 1 0 0 vertex 0 1 0 endloop endfacet\nendsolid b", 1)]
    [InlineData("solid empty\nendsolid empty\n", 0)]
    public void Read_WellFormedAscii_ReadsTriangles(string text, int triangles)
    {
        var sink = new CountingSink();
        Assert.Equal(StlEncoding.Ascii, StlReader.Read(new MemoryStream(Encoding.ASCII.GetBytes(text)), sink));
        Assert.Equal(triangles, sink.Count);
    }

    [Theory]
    [InlineData("solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nendloop\nendfacet\nendsolid x\n", 6)]
    [InlineData("solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1,5 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid x\n", 5)]
    [InlineData("solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex nan 1 0\nendloop\nendfacet\nendsolid x\n", 6)]
    [InlineData("solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 Infinity 0\nendloop\nendfacet\nendsolid x\n", 6)]
    [InlineData("solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\n", 9)]
    [InlineData("solid x\nfacets normal 0 0 1\n", 2)]
    public void Read_MalformedAscii_ThrowsWithLine(string text, int line)
    {
        var e = Assert.Throws<MeshFormatException>(() => StlReader.Read(new MemoryStream(Encoding.ASCII.GetBytes(text)), new CountingSink()));
        Assert.Equal(line, e.Line);
    }

    [Fact]
    public void Read_ShorterThanHeader_Throws()
    {
        Assert.Throws<MeshFormatException>(() => StlReader.Read(new MemoryStream(new byte[10]), new CountingSink()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Write_ThenRead_RoundTripsExactly(bool binary)
    {
        using var dir = new TempDir();
        var source = StlReader.ReadMesh(Tools.OpenScad(dir, "sphere(r=7.3, $fn=17);", "s.stl", "binstl"));
        using var stream = new MemoryStream();
        if (binary)
        {
            StlWriter.WriteBinary(stream, source);
        }
        else
        {
            StlWriter.WriteAscii(stream, source);
        }

        stream.Position = 0;
        var copy = StlReader.ReadMesh(stream);
        Assert.Equal(source.TriangleCount, copy.TriangleCount);
        for (var i = 0; i < source.TriangleCount; i++)
        {
            Assert.Equal(source.GetTriangle(i), copy.GetTriangle(i));
        }
    }

    [Fact]
    public void WriteBinary_IsAcceptedByAdmesh()
    {
        using var dir = new TempDir();
        var mesh = Meshes.Build(Meshes.Cube(new Vector3(1, 2, 3), 10));
        var path = dir.Combine("cube.stl");
        using (var stream = File.Create(path))
        {
            StlWriter.WriteBinary(stream, mesh);
        }

        var oracle = Tools.Admesh(path);
        Assert.Equal(12, oracle.Facets);
        Assert.Equal(1000, oracle.Volume, 1e-3);
        Assert.Equal(1, oracle.MinX, 1e-6);
    }

    /// <summary>A forward-only binary STL of the same triangle repeated, made as it is read.</summary>
    private sealed class GeneratedBinaryStl(int triangles) : Stream
    {
        private readonly long _length = 84 + (50L * triangles);
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, _length - _position);
            for (var i = 0; i < n; i++)
            {
                var p = _position + i;
                buffer[i] = p < 80 ? (byte)0
                    : p < 84 ? (byte)(triangles >> (8 * (int)(p - 80)))
                    : (byte)(((p - 84) % 50) is >= 12 and < 48 ? 0x3f : 0); // every coordinate 0.49...
            }

            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static byte[] BinaryCube()
    {
        using var stream = new MemoryStream();
        StlWriter.WriteBinary(stream, Meshes.Build(Meshes.Cube(Vector3.Zero, 10)));
        return stream.ToArray();
    }
}
