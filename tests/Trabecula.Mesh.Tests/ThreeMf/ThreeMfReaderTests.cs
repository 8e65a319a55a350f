using System.IO.Compression;
using System.Numerics;
using System.Text;
using Trabecula.Mesh.Stl;
using Trabecula.Mesh.ThreeMf;
using Trabecula.Mesh.Tests.TestSupport;

namespace Trabecula.Mesh.Tests.ThreeMf;

public sealed class ThreeMfReaderTests
{
    private const string Rels = """
        <?xml version="1.0" encoding="utf-8"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
          <Relationship Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel" Target="/3D/model%20a.model" Id="rel0" />
        </Relationships>
        """;

    private const string CubeMesh = """
        <mesh><vertices>
          <vertex x="0" y="0" z="0"/><vertex x="1" y="0" z="0"/><vertex x="1" y="1" z="0"/><vertex x="0" y="1" z="0"/>
          <vertex x="0" y="0" z="1"/><vertex x="1" y="0" z="1"/><vertex x="1" y="1" z="1"/><vertex x="0" y="1" z="1"/>
        </vertices><triangles>
          <triangle v1="0" v2="3" v3="2"/><triangle v1="0" v2="2" v3="1"/>
          <triangle v1="4" v2="5" v3="6"/><triangle v1="4" v2="6" v3="7"/>
          <triangle v1="0" v2="1" v3="5"/><triangle v1="0" v2="5" v3="4"/>
          <triangle v1="3" v2="7" v3="6"/><triangle v1="3" v2="6" v3="2"/>
          <triangle v1="0" v2="4" v3="7"/><triangle v1="0" v2="7" v3="3"/>
          <triangle v1="1" v2="2" v3="6"/><triangle v1="1" v2="6" v3="5"/>
        </triangles></mesh>
        """;

    [Fact]
    [Trait("Requirement", "R-DATA-5")]
    public void Read_OpenScad3mf_MatchesItsStl()
    {
        using var dir = new TempDir();
        const string Scad = "difference() { cube(20, center=true); sphere(r=12, $fn=24); }";
        var path = Tools.OpenScad(dir, Scad, "model.3mf");
        var oracle = Tools.Admesh(Tools.OpenScad(dir, Scad, "model.stl", "binstl"));

        var document = ThreeMfReader.Read(path);

        Assert.Equal(LengthUnit.Millimeter, document.Unit);
        var report = document.Mesh.Check();
        Assert.Equal(oracle.Facets, report.Triangles);
        Assert.Equal(oracle.Volume, report.VolumeMm3, 0.05);
        Assert.Equal(oracle.MinX, report.BoundingBoxMinMm.X, 1e-4);
        Assert.True(report.Closed);
        Assert.True(report.ConsistentlyOriented);
    }

    [Fact]
    [Trait("Requirement", "R-DATA-5")]
    public void Write_StlTo3mfToMesh_RoundTripsAndOpenScadImportsIt()
    {
        using var dir = new TempDir();
        var stlPath = Tools.OpenScad(dir, "sphere(r=6.1, $fn=19);", "s.stl", "binstl");
        var source = StlReader.ReadMesh(stlPath);
        var path = dir.Combine("written.3mf");
        using (var stream = File.Create(path))
        {
            ThreeMfWriter.Write(stream, source, [new("Title", "sphere & <co>")]);
        }

        var document = ThreeMfReader.Read(path);
        Assert.Equal("sphere & <co>", Assert.Single(document.Metadata).Value);
        Assert.True(source.Vertices.SequenceEqual(document.Mesh.Vertices));
        Assert.True(source.Indices.SequenceEqual(document.Mesh.Indices));

        // OpenSCAD (lib3mf) imports the package and re-exports it; ADMesh measures the result.
        var reexported = Tools.OpenScad(dir, "import(\"written.3mf\");", "reexported.stl", "binstl");
        var oracle = Tools.Admesh(reexported);
        Assert.Equal(source.TriangleCount, oracle.Facets);
        Assert.Equal(source.Check().VolumeMm3, oracle.Volume, 0.01);
    }

    [Fact]
    public void Read_ComponentsAndTransforms_AreInstantiated()
    {
        var model = Model("unit=\"centimeter\"", $"""
            <metadata name="Title">Two cubes</metadata>
            <resources>
              <object id="1" type="model">{CubeMesh}</object>
              <object id="2" type="model"><components>
                <component objectid="1"/>
                <component objectid="1" transform="2 0 0 0 2 0 0 0 2 10 0 0"/>
              </components></object>
            </resources>
            <build><item objectid="2" transform="1 0 0 0 1 0 0 0 1 0 0 5"/></build>
            """);

        var document = ThreeMfReader.Read(Package(model));

        Assert.Equal(LengthUnit.Centimeter, document.Unit);
        Assert.Equal(new KeyValuePair<string, string>("Title", "Two cubes"), Assert.Single(document.Metadata));
        var report = document.Mesh.Check();
        Assert.Equal(24, report.Triangles);
        Assert.Equal(2, report.Shells);
        Assert.Equal((1 + 8) * 1000.0, report.VolumeMm3, 1e-6);
        Assert.Equal(new Vector3(0, 0, 50), report.BoundingBoxMinMm);
        Assert.Equal(new Vector3(120, 20, 70), report.BoundingBoxMaxMm);
    }

    [Fact]
    public void Read_MirroringTransform_KeepsOutwardWinding()
    {
        var model = Model(string.Empty, $"""
            <resources><object id="1">{CubeMesh}</object></resources>
            <build><item objectid="1" transform="-1 0 0 0 1 0 0 0 1 0 0 0"/></build>
            """);

        var report = ThreeMfReader.Read(Package(model)).Mesh.Check();

        Assert.Equal(1, report.VolumeMm3, 1e-9);
        Assert.Equal(-1, report.BoundingBoxMinMm.X);
    }

    [Theory]
    [InlineData("<resources><object id=\"1\"><mesh><vertices><vertex x=\"0\" y=\"0\" z=\"0\"/></vertices><triangles><triangle v1=\"0\" v2=\"0\" v3=\"1\"/></triangles></mesh></object></resources>", "out of range")]
    [InlineData("<resources><object id=\"1\"><mesh><vertices><vertex x=\"0\" y=\"a\" z=\"0\"/></vertices></mesh></object></resources>", "Not a number")]
    [InlineData("<resources><object id=\"2\"><components><component objectid=\"1\"/></components></object></resources>", "not defined before")]
    [InlineData("<build><item objectid=\"7\"/></build>", "undefined object")]
    [InlineData("<resources><object id=\"1\"><components/></object></resources><build><item objectid=\"1\" transform=\"1 0 0\"/></build>", "12 numbers")]
    public void Read_InvalidModel_Throws(string body, string reason)
    {
        var e = Assert.Throws<MeshFormatException>(() => ThreeMfReader.Read(Package(Model(string.Empty, body))));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownUnitOrRequiredExtension_Throws()
    {
        Assert.Throws<MeshFormatException>(() => ThreeMfReader.Read(Package(Model("unit=\"mm\"", string.Empty))));
        Assert.Throws<MeshFormatException>(() => ThreeMfReader.Read(Package(Model("requiredextensions=\"p\"", string.Empty))));
    }

    [Fact]
    public void Read_NoModelRelationship_Throws()
    {
        var rels = Rels.Replace("2013/01/3dmodel", "2013/01/thumbnail", StringComparison.Ordinal);

        var e = Assert.Throws<MeshFormatException>(() => ThreeMfReader.Read(Package(Model(string.Empty, string.Empty), rels)));
        Assert.Contains("no relationship", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("TestPlan", "UP-04")]
    public void Read_TooManyEntries_IsRefused()
    {
        var stream = Package(Model(string.Empty, string.Empty), extraEntries: 20);

        var e = Assert.Throws<MeshFormatException>(() => ThreeMfReader.Read(stream, new MeshReadLimits { MaxZipEntries = 10 }));
        Assert.Contains("entries", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("TestPlan", "UP-04")]
    public void Read_ComponentExplosion_IsRefusedByTriangleLimit()
    {
        var objects = new StringBuilder($"<object id=\"0\">{CubeMesh}</object>");
        for (var i = 1; i <= 8; i++)
        {
            objects.Append("<object id=\"").Append(i).Append("\"><components>");
            for (var k = 0; k < 10; k++)
            {
                objects.Append("<component objectid=\"").Append(i - 1).Append("\"/>");
            }

            objects.Append("</components></object>");
        }

        var model = Model(string.Empty, $"<resources>{objects}</resources><build><item objectid=\"8\"/></build>");

        var e = Assert.Throws<MeshFormatException>(() => ThreeMfReader.Read(Package(model), new MeshReadLimits { MaxTriangles = 1_000_000 }));
        Assert.Contains("expands", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("TestPlan", "UP-04")]
    public void Read_ModelWithDtd_IsRefused()
    {
        const string Model = "<?xml version=\"1.0\"?><!DOCTYPE model [<!ENTITY a \"b\">]><model xmlns=\"http://schemas.microsoft.com/3dmanufacturing/core/2015/02\"/>";

        Assert.Throws<MeshFormatException>(() => ThreeMfReader.Read(Package(Model)));
    }

    private static string Model(string attributes, string body) =>
        $"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<model xmlns=\"{ThreeMfReader.CoreNamespace}\" {attributes}>{body}</model>";

    private static MemoryStream Package(string model, string rels = Rels, int extraEntries = 0)
    {
        var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            Write(archive, "_rels/.rels", rels);
            Write(archive, "3D/model a.model", model);
            for (var i = 0; i < extraEntries; i++)
            {
                Write(archive, "Metadata/x" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "x");
            }
        }

        stream.Position = 0;
        return stream;
    }

    private static void Write(ZipArchive archive, string name, string text)
    {
        using var entry = archive.CreateEntry(name).Open();
        entry.Write(Encoding.UTF8.GetBytes(text));
    }
}
