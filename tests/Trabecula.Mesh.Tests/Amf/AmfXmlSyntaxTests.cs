using System.Globalization;
using System.Text;
using System.Xml.Linq;
using Trabecula.Mesh.Amf;

namespace Trabecula.Mesh.Tests.Amf;

/// <summary>
/// The AMF reader parses XML from the bytes itself (Utf8XmlScanner). These tests hold it to what
/// System.Xml (XDocument, an independent parser) reads from the same documents: the XML forms a
/// writer may use, the values they stand for, and the malformed documents both refuse.
/// </summary>
public sealed class AmfXmlSyntaxTests
{
    private const string Rich = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- made by hand -->
        <?producer something?>
        <amf unit = 'inch' version="1.1">
          <metadata type="name">Cage &amp; plate &lt;L4&gt; &#x4E2D;&#25991; <![CDATA[a & <b>]]><!-- note --> end</metadata>
          <object id="o&quot;1">
            <metadata type='cost'>  12.5  </metadata>
            <mesh>
              <vertices>
                <vertex><coordinates><x>0</x><y>1e-3</y><z> -2.5E+1 </z></coordinates></vertex>
                <vertex><coordinates><x>+1.25</x><y>.5</y><z>3.</z></coordinates><color><r>1</r></color></vertex>
                <vertex><coordinates><x>0.1</x><y>123456789.123456789</y><z>-0</z></coordinates></vertex>
                <vertex><coordinates><x>1<!-- c -->.5</x><y><![CDATA[2]]></y><z>0.30000000000000004</z></coordinates></vertex>
              </vertices>
              <volume materialid="2">
                <triangle><v1>0</v1><v2>0001</v2><v3>2</v3></triangle>
                <triangle><v1>1</v1><v2>3</v2><v3>2</v3></triangle>
              </volume>
            </mesh>
          </object>
        </amf>
        """;

    [Fact]
    [Trait("Requirement", "R-DATA-5")]
    public void Read_XmlFormsWritersUse_GiveWhatSystemXmlReads()
    {
        AssertSameAsSystemXml(Encoding.UTF8.GetBytes(Rich));
    }

    [Fact]
    public void Read_Utf16WithByteOrderMark_IsTranscoded()
    {
        AssertSameAsSystemXml(Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(Rich.Replace("UTF-8", "UTF-16", StringComparison.Ordinal))).ToArray());
    }

    [Fact]
    public void Read_Latin1Declared_IsTranscoded()
    {
        var xml = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><amf><metadata type=\"name\">Schädel</metadata></amf>";
        AssertSameAsSystemXml(Encoding.Latin1.GetBytes(xml));
    }

    [Theory]
    [InlineData("<amf><object id=\"1\"></objekt></amf>")]
    [InlineData("<amf a=\"1\" a=\"2\"/>")]
    [InlineData("<amf a=1/>")]
    [InlineData("<amf><metadata type=\"x\">&nbsp;</metadata></amf>")]
    [InlineData("<amf><metadata type=\"x\">&#0;</metadata></amf>")]
    [InlineData("<amf></amf><amf></amf>")]
    [InlineData("<amf></amf>text")]
    [InlineData("<amf><metadata type=\"x\">never closed</metadata>")]
    [InlineData("<amf><!-- unterminated </amf>")]
    [InlineData("<amf><metadata type=\"x>\"</metadata></amf>")]
    [InlineData("<amf><object id=\"1\"><mesh><vertices><vertex><coordinates><x>1<b/></x></coordinates></vertex></vertices></mesh></object></amf>")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE amf><amf/>")]
    [InlineData("<amf/><?xml version=\"1.0\"?>")]
    public void Read_Malformed_IsRefusedLikeSystemXml(string xml)
    {
        var systemXmlRefuses = false;
        try
        {
            var settings = new System.Xml.XmlReaderSettings { DtdProcessing = System.Xml.DtdProcessing.Prohibit };
            using var reader = System.Xml.XmlReader.Create(new StringReader(xml), settings);
            while (reader.Read())
            {
            }
        }
        catch (System.Xml.XmlException)
        {
            systemXmlRefuses = true;
        }

        // "<x>1<b/></x>" is well-formed XML, but a coordinate must be text: both readers refuse it as AMF.
        Assert.True(systemXmlRefuses || xml.Contains("<b/>", StringComparison.Ordinal));
        Assert.Throws<MeshFormatException>(() => AmfReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml))));
    }

    [Fact]
    public void Read_ShortDecimals_ParseExactlyAsDoubleParseThenFloat()
    {
        // The reader's fast decimal path must give double.Parse's result bit for bit.
        var random = new Random(11);
        var texts = new List<string>();
        for (var i = 0; i < 3000; i++)
        {
            var digits = random.Next(1, 17);
            var text = new StringBuilder(random.Next(4) == 0 ? "-" : string.Empty);
            var point = random.Next(digits + 1);
            for (var d = 0; d < digits; d++)
            {
                if (d == point)
                {
                    text.Append('.');
                }

                text.Append((char)('0' + random.Next(10)));
            }

            texts.Add(text.ToString());
        }

        var xml = new StringBuilder("<amf><object id=\"0\"><mesh><vertices>");
        foreach (var t in texts)
        {
            xml.Append("<vertex><coordinates><x>").Append(t).Append("</x><y>0</y><z>0</z></coordinates></vertex>");
        }

        xml.Append("</vertices><volume/></mesh></object></amf>");
        var builder = new MeshBuilder();
        var expected = texts.Select(t => builder.AddVertex(new System.Numerics.Vector3((float)double.Parse(t, CultureInfo.InvariantCulture), 0, 0))).ToList();
        var expectedVertices = builder.Build().Vertices.ToArray();

        var mesh = AmfReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml.ToString()))).Objects[0].Mesh;

        Assert.Equal(expectedVertices.Select(v => BitConverter.SingleToInt32Bits(v.X)), mesh.Vertices.ToArray().Select(v => BitConverter.SingleToInt32Bits(v.X)));
    }

    [Fact]
    public void Read_LargeDocumentMixingPlainAndOtherForms_GivesWhatSystemXmlReads()
    {
        // The scanner takes plain tags and numbers on a fast path and everything else on the general
        // one; over a few MiB every form lands on the edge of its read buffer somewhere, and more
        // than eight element names alternate at one depth.
        var random = new Random(5);
        var xml = new StringBuilder("<?xml version=\"1.0\"?>\n<amf unit=\"millimeter\" xmlns:p=\"urn:p\">\n<object id=\"0\"><mesh><vertices>\n");
        string Space() => random.Next(4) switch { 0 => string.Empty, 1 => " ", 2 => "\n  ", _ => new string(' ', random.Next(1, 40)) };
        string Number() => random.Next(12) switch
        {
            0 => " 1.5 ",
            1 => "1<!-- c -->.25",
            2 => "&#49;.5",
            3 => "2.5e-1",
            4 => "+3",
            5 => "12345678.123456789",
            _ => (random.NextDouble() * 200 - 100).ToString("G7", CultureInfo.InvariantCulture),
        };
        string Index(int n) => random.Next(10) switch
        {
            0 => n.ToString("D10", CultureInfo.InvariantCulture),
            1 => "<![CDATA[" + n.ToString(CultureInfo.InvariantCulture) + "]]>",
            2 => "&#" + ((int)'0' + (n % 10)).ToString(CultureInfo.InvariantCulture) + ";",
            _ => n.ToString(CultureInfo.InvariantCulture),
        };
        string EndTag(string name) => random.Next(8) == 0 ? "</" + name + " >" : "</" + name + ">";
        const int Vertices = 20000;
        for (var v = 0; v < Vertices; v++)
        {
            xml.Append(Space()).Append(random.Next(10) == 0 ? "<vertex >" : "<vertex>").Append(Space()).Append("<coordinates>");
            foreach (var axis in new[] { "x", "y", "z" })
            {
                if (random.Next(6) == 0)
                {
                    var other = "w" + random.Next(12).ToString(CultureInfo.InvariantCulture);
                    xml.Append(Space()).Append('<').Append(other).Append('>').Append(Number()).Append(EndTag(other));
                }

                if (random.Next(20) == 0)
                {
                    xml.Append("<p:note>").Append(v).Append("</p:note>");
                }

                xml.Append(Space()).Append('<').Append(axis).Append('>').Append(Number()).Append(EndTag(axis));
            }

            xml.Append(Space()).Append("</coordinates>").Append(random.Next(15) == 0 ? "<empty/>" : string.Empty).Append(Space()).Append(EndTag("vertex"));
        }

        xml.Append("\n</vertices>\n<volume>");
        for (var t = 0; t < 30000; t++)
        {
            xml.Append(Space()).Append("<triangle>");
            foreach (var corner in new[] { "v1", "v2", "v3" })
            {
                xml.Append(Space()).Append('<').Append(corner).Append('>').Append(Index(random.Next(Vertices))).Append(EndTag(corner));
            }

            xml.Append(Space()).Append(EndTag("triangle"));
        }

        xml.Append("</volume></mesh></object></amf>\n");
        var bytes = Encoding.UTF8.GetBytes(xml.ToString());
        Assert.True(bytes.Length > 3 << 20);

        AssertSameAsSystemXml(bytes);
    }

    [Fact]
    public void Read_IndexOutOfRangeFarIntoTheFile_NamesItsLine()
    {
        var xml = new StringBuilder("<amf><object id=\"0\"><mesh><vertices>\n");
        for (var v = 0; v < 3; v++)
        {
            xml.Append("<vertex><coordinates><x>").Append(v).Append("</x><y>0</y><z>0</z></coordinates></vertex>\n");
        }

        xml.Append("</vertices><volume>\n");
        const int Lines = 60000;
        for (var t = 0; t < Lines; t++)
        {
            xml.Append("<triangle>\n <v1>0</v1>\n <v2>1</v2>\n <v3>2</v3>\n</triangle>\n");
        }

        // Line 1 opens the vertices, lines 2-4 hold them, line 5 opens the volume, the triangles take
        // five lines each, and the last one starts on the next line and has its v3 on the line after.
        xml.Append("<triangle><v1>0</v1><v2>1</v2>\n<v3>3</v3></triangle></volume></mesh></object></amf>");

        var e = Assert.Throws<MeshFormatException>(() => AmfReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(xml.ToString()))));

        Assert.Equal((5 * Lines) + 7, e.Line);
        Assert.Contains("v3 = 3 is out of range", e.Message, StringComparison.Ordinal);
    }

    private static void AssertSameAsSystemXml(byte[] bytes)
    {
        var document = AmfReader.Read(new MemoryStream(bytes));
        var xml = XDocument.Load(new MemoryStream(bytes));
        var amf = xml.Root!;

        Assert.Equal((string?)amf.Attribute("unit") ?? "millimeter", document.Unit.ToFileName());
        Assert.Equal(amf.Elements("metadata").Select(m => ((string?)m.Attribute("type") ?? string.Empty, m.Value)), document.Metadata.Select(m => (m.Key, m.Value)));
        var objects = amf.Elements("object").ToList();
        Assert.Equal(objects.Count, document.Objects.Count);
        for (var i = 0; i < objects.Count; i++)
        {
            Assert.Equal((string)objects[i].Attribute("id")!, document.Objects[i].Id);
            Assert.Equal(objects[i].Elements("metadata").Select(m => m.Value), document.Objects[i].Metadata.Select(m => m.Value));
            var builder = new MeshBuilder(document.Unit);
            var welded = new List<int>();
            foreach (var c in objects[i].Descendants("coordinates"))
            {
                float F(string axis) => (float)double.Parse(c.Element(axis)!.Value, NumberStyles.Float, CultureInfo.InvariantCulture);
                welded.Add(builder.AddVertex(new System.Numerics.Vector3(F("x"), F("y"), F("z"))));
            }

            foreach (var t in objects[i].Descendants("triangle"))
            {
                int V(string n) => welded[int.Parse(t.Element(n)!.Value, NumberStyles.None, CultureInfo.InvariantCulture)];
                builder.AddIndexedTriangle(V("v1"), V("v2"), V("v3"));
            }

            var expected = builder.Build();
            var actual = document.Objects[i].Mesh;
            Assert.Equal(expected.Vertices.ToArray(), actual.Vertices.ToArray());
            Assert.Equal(expected.Indices.ToArray(), actual.Indices.ToArray());
            Assert.Equal(expected.DuplicateVertices, actual.DuplicateVertices);
            Assert.Equal(expected.Check(), actual.Check());
        }
    }
}
