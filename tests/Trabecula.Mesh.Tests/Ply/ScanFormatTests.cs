using System.Text;
using Trabecula.Mesh.Wavefront;
using Trabecula.Mesh.Ply;
using Trabecula.Mesh.Stl;
using Trabecula.Mesh.Tests.TestSupport;

namespace Trabecula.Mesh.Tests.Ply;

/// <summary>
/// PLY and OBJ, the scanners' formats (R-DATA-1 optical and model scans). The files come from
/// OpenSCAD (the model) converted by Assimp (Debian assimp-utils), so neither the geometry nor the
/// encoding is ours; ADMesh measures the same model as STL, and our report of the PLY and OBJ must
/// agree with it and with our own reading of the STL.
/// </summary>
public sealed class ScanFormatTests
{
    private const string Implant = "difference() { sphere(r = 20, $fn = 48); translate([0, 0, 8]) cylinder(r = 6, h = 30, $fn = 24); }";

    [Theory]
    [InlineData("ply", "ply")]
    [InlineData("plyb", "ply")]
    [InlineData("obj", "obj")]
    [Trait("Requirement", "R-DATA-1")]
    [Trait("Requirement", "R-DATA-5")]
    public void Read_AssimpExportOfAnOpenScadModel_MatchesTheStlAndAdmesh(string assimpFormat, string extension)
    {
        using var dir = new TempDir();
        var stl = Tools.OpenScad(dir, Implant, "implant.stl");
        var converted = dir.Combine("implant." + extension);
        Tools.Run("assimp", dir.Path, "export", stl, converted, "-f" + assimpFormat);
        var admesh = Tools.Admesh(stl);
        var fromStl = StlReader.ReadMesh(stl).Check();

        using var stream = File.OpenRead(converted);
        var report = (extension == "ply" ? PlyReader.ReadMesh(stream) : ObjReader.ReadMesh(stream)).Check();

        Assert.Equal(admesh.Facets, report.Triangles);
        Assert.Equal(fromStl.Vertices, report.Vertices);
        Assert.Equal(admesh.Volume, report.VolumeMm3, admesh.Volume * 1e-4);
        Assert.Equal(fromStl.AreaMm2, report.AreaMm2, fromStl.AreaMm2 * 1e-6);
        Assert.True(report.Closed);
        Assert.True(report.Manifold);
        Assert.True(report.ConsistentlyOriented);
        Assert.Equal(admesh.Parts, report.Shells);
        Assert.Equal(admesh.MinX, report.BoundingBoxMinMm.X, 1e-3);
        Assert.Equal(admesh.MaxZ, report.BoundingBoxMaxMm.Z, 1e-3);
    }

    [Fact]
    [Trait("Requirement", "R-DATA-1")]
    public void Read_PlyQuadsAndExtraProperties_AreSplitIntoTriangles()
    {
        // A unit cube as six quads, with colour properties and an extra element to read past.
        const string ply = "ply\nformat ascii 1.0\ncomment scanner XYZ\nelement vertex 8\nproperty float x\nproperty float y\nproperty float z\n"
            + "property uchar red\nproperty uchar green\nproperty uchar blue\nelement face 6\nproperty list uchar int vertex_indices\n"
            + "element camera 1\nproperty float f\nend_header\n"
            + "0 0 0 1 2 3\n1 0 0 1 2 3\n1 1 0 1 2 3\n0 1 0 1 2 3\n0 0 1 1 2 3\n1 0 1 1 2 3\n1 1 1 1 2 3\n0 1 1 1 2 3\n"
            + "4 0 3 2 1\n4 4 5 6 7\n4 0 1 5 4\n4 2 3 7 6\n4 1 2 6 5\n4 3 0 4 7\n0.5\n";

        var report = PlyReader.ReadMesh(new MemoryStream(Encoding.ASCII.GetBytes(ply))).Check();

        Assert.Equal(12, report.Triangles);
        Assert.Equal(8, report.Vertices);
        Assert.Equal(1.0, report.VolumeMm3, 9);
        Assert.True(report.Closed);
        Assert.True(report.ConsistentlyOriented);
    }

    [Theory]
    [InlineData("not a ply\n", 1)]
    [InlineData("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n3 0 1 2\n", 11)]
    [InlineData("ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n0 nan 0\n1 1 1\n", 9)]
    [InlineData("ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n1 1\n", 9)]
    [InlineData("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty quaternion z\nend_header\n", 6)]
    [InlineData("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\n", 5)]
    [Trait("TestPlan", "UP-04")]
    public void Read_MalformedAsciiPly_FailsWithTheLine(string ply, int line)
    {
        var error = Assert.Throws<MeshFormatException>(() => PlyReader.ReadMesh(new MemoryStream(Encoding.ASCII.GetBytes(ply))));

        Assert.Equal(line, error.Line);
        Assert.False(string.IsNullOrEmpty(error.Reason));
    }

    [Fact]
    [Trait("TestPlan", "UP-04")]
    public void Read_BinaryPlyDeclaringABillionVertices_FailsBeforeReadingAny()
    {
        var header = "ply\nformat binary_little_endian 1.0\nelement vertex 1000000000\nproperty float x\nproperty float y\nproperty float z\nend_header\n";
        var bytes = Encoding.ASCII.GetBytes(header).Concat(new byte[120]).ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<MeshFormatException>(() => PlyReader.ReadMesh(new MemoryStream(bytes)));

        Assert.Contains("more than the file holds", error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "nothing is allocated from the declared count");
    }

    [Fact]
    [Trait("TestPlan", "UP-04")]
    public void Read_TruncatedBinaryPly_FailsAtEveryCut()
    {
        using var dir = new TempDir();
        var stl = Tools.OpenScad(dir, "cube(10);", "cube.stl");
        var ply = dir.Combine("cube.ply");
        Tools.Run("assimp", dir.Path, "export", stl, ply, "-fplyb");
        var bytes = File.ReadAllBytes(ply);
        var body = Encoding.ASCII.GetString(bytes).IndexOf("end_header\n", StringComparison.Ordinal) + "end_header\n".Length;

        for (var cut = body; cut < bytes.Length; cut += 7)
        {
            Assert.Throws<MeshFormatException>(() => PlyReader.ReadMesh(new NonSeekable(bytes.AsMemory(0, cut).ToArray())));
        }
    }

    [Theory]
    [InlineData("v 0 0 0\nv 1 0 0\nf 1 2 3\n", 3)]
    [InlineData("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2\n", 4)]
    [InlineData("v 0 0 inf\n", 1)]
    [InlineData("v 0 0\n", 1)]
    [InlineData("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 x 3\n", 4)]
    [InlineData("v 0 0 0\n\u0001\u0002\n", 2)]
    [Trait("TestPlan", "UP-04")]
    public void Read_MalformedObj_FailsWithTheLine(string obj, int line)
    {
        var error = Assert.Throws<MeshFormatException>(() => ObjReader.ReadMesh(new MemoryStream(Encoding.UTF8.GetBytes(obj))));

        Assert.Equal(line, error.Line);
    }

    [Fact]
    [Trait("Requirement", "R-DATA-1")]
    public void Read_ObjWithNegativeIndicesSlashesAndContinuations_ReadsTheGeometry()
    {
        const string obj = "# scan\nmtllib scan.mtl\no tooth\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvt 0 0\nvn 0 0 1\n"
            + "usemtl enamel\ns off\nf 1/1/1 2/1/1 \\\n 3/1/1 4/1/1\nf -4//1 -2//1 -1//1\n";

        var report = ObjReader.ReadMesh(new MemoryStream(Encoding.UTF8.GetBytes(obj))).Check();

        Assert.Equal(3, report.Triangles);
        Assert.Equal(4, report.Vertices);
    }

    /// <summary>A stream that cannot seek, as an upload body is.</summary>
    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
