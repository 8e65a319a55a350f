using Trabecula.Dicom.Imaging;
using Trabecula.Dicom.Tests.TestSupport;

namespace Trabecula.Dicom.Tests.Imaging;

/// <summary>Rendering for the preview (issue: patient data intake): native and RLE give the same image; others say why not.</summary>
[Collection(CtSeriesDefinition.Name)]
public sealed class DicomFrameRendererTests(CtSeriesFixture fixture)
{
    [Fact]
    [Trait("Requirement", "R-DATA-1")]
    public void Render_NativeAndDcmcrleRle_GiveTheSamePixels()
    {
        var native = DicomFrameRenderer.Render(DicomFile.Open(fixture.First), DicomWindow.SoftTissue);
        var rle = DicomFrameRenderer.Render(DicomFile.Open(fixture.Rle), DicomWindow.SoftTissue);

        Assert.Equal(64, native.Width);
        Assert.Equal(64, native.Height);
        Assert.Equal(native.Pixels, rle.Pixels);
        Assert.True(native.Pixels.Distinct().Count() > 10, "a body phantom under a soft-tissue window is not flat");
    }

    [Fact]
    public void Render_BoneWindow_ShowsLessSoftTissueContrastThanSoftTissueWindow()
    {
        var file = DicomFile.Open(fixture.First);
        var soft = DicomFrameRenderer.Render(file, DicomWindow.SoftTissue).Pixels.Distinct().Count();
        var bone = DicomFrameRenderer.Render(file, DicomWindow.Bone).Pixels.Distinct().Count();

        Assert.NotEqual(soft, bone);
    }

    [Fact]
    public void Render_Downscales_NeverUp()
    {
        var file = DicomFile.Open(fixture.First);

        Assert.Equal(32, DicomFrameRenderer.Render(file, DicomWindow.Bone, maxSize: 32).Width);
        Assert.Equal(64, DicomFrameRenderer.Render(file, DicomWindow.Bone, maxSize: 4096).Width);
    }

    [Fact]
    public void CanRender_Jpeg_SaysPlainlyThatThereIsNoDecoder()
    {
        var file = DicomFile.Open(fixture.Jpeg);

        Assert.False(DicomFrameRenderer.CanRender(file, out var reason));
        Assert.Contains("no decoder", reason, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => DicomFrameRenderer.Render(file, DicomWindow.Bone));
    }

    [Fact]
    public void ToPng_IsAPngThatPythonsZlibAndCrcAccept()
    {
        var png = DicomFrameRenderer.Render(DicomFile.Open(fixture.First), DicomWindow.Bone).ToPng();
        var path = fixture.NewPath("frame.png");
        File.WriteAllBytes(path, png);

        // An independent reader: Python's zlib and struct check every chunk CRC and inflate the image data.
        const string check = "import sys,struct,zlib\n"
            + "d=open(sys.argv[1],'rb').read(); assert d[:8]==b'\\x89PNG\\r\\n\\x1a\\n'; p=8; idat=b''\n"
            + "while p<len(d):\n"
            + "  n,=struct.unpack('>I',d[p:p+4]); t=d[p+4:p+8]; c=d[p+8:p+8+n]; crc,=struct.unpack('>I',d[p+8+n:p+12+n])\n"
            + "  assert zlib.crc32(t+c)&0xffffffff==crc, t\n"
            + "  idat+=c if t==b'IDAT' else b''; w,h=(struct.unpack('>II',c[:8]) if t==b'IHDR' else (w,h) if 'w' in dir() else (0,0)); p+=12+n\n"
            + "raw=zlib.decompress(idat); assert len(raw)==h*(w+1), (len(raw),w,h); print(w,h)\n";
        var output = ExternalTool.RunChecked(ExternalTool.Python, "-c", check, path);

        Assert.Equal("64 64", output.Trim());
    }
}
