using System.IO.Compression;
using System.Numerics;
using System.Text;
using Trabecula.Mesh.Amf;
using Trabecula.Mesh.Stl;
using Trabecula.Mesh.Tests.TestSupport;

namespace Trabecula.Mesh.Tests.Amf;

public sealed class AmfTests
{
    [Fact]
    [Trait("Requirement", "R-DATA-5")]
    public void Read_OpenScadAmf_MatchesItsStl()
    {
        using var dir = new TempDir();
        const string Scad = "union() { sphere(r=10, $fn=30); translate([25,0,0]) cube(8); }";
        var amfPath = Tools.OpenScad(dir, Scad, "model.amf");
        var stlPath = Tools.OpenScad(dir, Scad, "model.stl", "binstl");
        var oracle = Tools.Admesh(stlPath);

        var document = AmfReader.Read(amfPath);

        Assert.Equal(LengthUnit.Millimeter, document.Unit);
        Assert.Contains(document.Metadata, m => m.Key == "producer" && m.Value.StartsWith("OpenSCAD", StringComparison.Ordinal));
        var report = document.ToMesh().Check();
        Assert.Equal(oracle.Facets, report.Triangles);
        Assert.Equal(oracle.Volume, report.VolumeMm3, 0.05);
        Assert.Equal(2, report.Shells);
        Assert.True(report.Closed);
        Assert.True(report.ConsistentlyOriented);
    }

    [Fact]
    [Trait("Requirement", "R-DATA-5")]
    public void Write_StlToAmfToMesh_RoundTripsExactly()
    {
        using var dir = new TempDir();
        var source = StlReader.ReadMesh(Tools.OpenScad(dir, "sphere(r=3.7, $fn=23);", "s.stl", "binstl"));
        var amfPath = dir.Combine("s.amf");
        using (var stream = File.Create(amfPath))
        {
            AmfWriter.Write(stream, source, [new("name", "sphere <3.7> & co")]);
        }

        Tools.Run("xmllint", dir.Path, "--noout", amfPath);
        var document = AmfReader.Read(amfPath);
        var copy = document.ToMesh();

        Assert.Equal("sphere <3.7> & co", Assert.Single(document.Metadata).Value);
        Assert.True(source.Vertices.SequenceEqual(copy.Vertices));
        Assert.True(source.Indices.SequenceEqual(copy.Indices));
        Assert.Equal(source.Check() with { DuplicateVertices = 0 }, copy.Check());
    }

    [Theory]
    [InlineData(LengthUnit.Inch)]
    [InlineData(LengthUnit.Micron)]
    [InlineData(LengthUnit.Foot)]
    [InlineData(LengthUnit.Meter)]
    public void Write_Compressed_RoundTripsUnit(LengthUnit unit)
    {
        var mesh = Meshes.Build(Meshes.Cube(Vector3.Zero, 2), unit);
        using var stream = new MemoryStream();
        AmfWriter.Write(stream, mesh, compress: true);
        stream.Position = 0;

        var copy = AmfReader.Read(new ForwardOnlyStream(stream.ToArray())).ToMesh();

        Assert.Equal(unit, copy.Unit);
        var expected = 8 * Math.Pow(unit.ToMillimeters(), 3);
        Assert.Equal(expected, copy.Check().VolumeMm3, expected * 1e-12);
    }

    [Fact]
    public void Read_DuplicateVertices_AreWeldedAndCounted()
    {
        const string Xml = """
            <amf><object id="1"><mesh><vertices>
            <vertex><coordinates><x>0</x><y>0</y><z>0</z></coordinates></vertex>
            <vertex><coordinates><x>1</x><y>0</y><z>0</z></coordinates></vertex>
            <vertex><coordinates><x>0</x><y>1</y><z>0</z></coordinates></vertex>
            <vertex><coordinates><x>0.0</x><y>1e0</y><z>-0</z></coordinates></vertex>
            </vertices><volume><triangle><v1>0</v1><v2>1</v2><v3>3</v3></triangle></volume></mesh></object></amf>
            """;

        var mesh = Read(Xml).ToMesh();

        Assert.Equal(3, mesh.Vertices.Length);
        Assert.Equal(1, Read(Xml).Objects[0].Mesh.DuplicateVertices);
    }

    [Theory]
    [InlineData("<amf unit=\"furlong\"/>", 1)]
    [InlineData("<amf unit=\"Millimeter\"/>", 1)]
    [InlineData("<stl/>", 1)]
    [InlineData("<amf><object id=\"1\"><mesh><vertices>\n<vertex><coordinates><x>0</x><y>0</y><z>0</z></coordinates></vertex>\n</vertices><volume>\n<triangle><v1>0</v1><v2>0</v2>\n<v3>1</v3></triangle></volume></mesh></object></amf>", 5)]
    [InlineData("<amf><object id=\"1\"><mesh><vertices>\n<vertex><coordinates><x>0</x><y>NaN</y><z>0</z></coordinates></vertex></vertices></mesh></object></amf>", 2)]
    [InlineData("<amf><object id=\"1\"><mesh><vertices>\n<vertex><coordinates><x>0</x><y>0,5</y><z>0</z></coordinates></vertex></vertices></mesh></object></amf>", 2)]
    [InlineData("<amf><object id=\"1\"><mesh><vertices>\n<vertex><coordinates><x>0</x><z>0</z></coordinates></vertex></vertices></mesh></object></amf>", 2)]
    [InlineData("<amf><object id=\"1\"><mesh><volume>\n<triangle><v1>-1</v1><v2>0</v2><v3>0</v3></triangle></volume></mesh></object></amf>", 2)]
    [InlineData("<amf>\n<object>\n", 2)]
    public void Read_InvalidAmf_ThrowsWithLine(string xml, int line)
    {
        var e = Assert.Throws<MeshFormatException>(() => Read(xml));
        Assert.Equal(line, e.Line);
    }

    [Fact]
    [Trait("TestPlan", "UP-04")]
    public void Read_ExternalEntity_IsRefused()
    {
        using var dir = new TempDir();
        var secret = dir.Combine("secret.txt");
        File.WriteAllText(secret, "42");
        var xml = "<?xml version=\"1.0\"?><!DOCTYPE amf [<!ENTITY xxe SYSTEM \"file://" + secret + "\">]>"
            + "<amf><metadata type=\"name\">&xxe;</metadata></amf>";

        var e = Assert.Throws<MeshFormatException>(() => Read(xml));
        Assert.DoesNotContain("42", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("TestPlan", "UP-04")]
    public void Read_BillionLaughs_IsRefusedQuickly()
    {
        var sb = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE amf [<!ENTITY lol0 \"lol\">");
        for (var i = 1; i < 10; i++)
        {
            sb.Append("<!ENTITY lol").Append(i).Append(" \"");
            for (var k = 0; k < 10; k++)
            {
                sb.Append("&lol").Append(i - 1).Append(';');
            }

            sb.Append("\">");
        }

        sb.Append("]><amf><metadata type=\"name\">&lol9;</metadata></amf>");

        Assert.Throws<MeshFormatException>(() => Read(sb.ToString()));
    }

    [Fact]
    [Trait("TestPlan", "UP-04")]
    public void Read_DeepNesting_IsRefused()
    {
        var xml = "<amf>" + string.Concat(Enumerable.Repeat("<a>", 100)) + string.Concat(Enumerable.Repeat("</a>", 100)) + "</amf>";

        var e = Assert.Throws<MeshFormatException>(() => Read(xml));
        Assert.Contains("deeper", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("TestPlan", "UP-04")]
    public void Read_DocumentOverCharacterLimit_IsRefused()
    {
        var xml = "<amf>" + new string(' ', 5000) + "</amf>";

        Assert.Throws<MeshFormatException>(() =>
            AmfReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml)), new MeshReadLimits { MaxCharactersInDocument = 1000 }));
    }

    [Fact]
    [Trait("TestPlan", "UP-04")]
    public void Read_ZipBomb_IsRefusedByInflatedLimit()
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        using (var entry = archive.CreateEntry("bomb.amf", CompressionLevel.SmallestSize).Open())
        {
            entry.Write("<amf>"u8);
            var spaces = new byte[1 << 20];
            spaces.AsSpan().Fill((byte)' ');
            for (var i = 0; i < 16; i++)
            {
                entry.Write(spaces);
            }

            entry.Write("</amf>"u8);
        }

        stream.Position = 0;
        var e = Assert.Throws<MeshFormatException>(() => AmfReader.Read(stream, new MeshReadLimits { MaxInflatedBytes = 1 << 20 }));
        Assert.Contains("inflates", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ZipWithTwoFiles_IsRefused()
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            archive.CreateEntry("a.amf");
            archive.CreateEntry("b.amf");
        }

        stream.Position = 0;
        Assert.Throws<MeshFormatException>(() => AmfReader.Read(stream));
    }

    private static AmfDocument Read(string xml) => AmfReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml)));
}
