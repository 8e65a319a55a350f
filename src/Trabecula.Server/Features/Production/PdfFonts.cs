using PdfSharp.Drawing;
using PdfSharp.Fonts;

namespace Trabecula.Server.Features.Production;

/// <summary>
/// Fonts for the PDFs production and traceability print (labels, recall lists, trace reports).
/// PDFsharp's core build finds no fonts by itself on Linux and embeds TrueType outlines only:
/// Noto Sans CJK (CFF in a collection) does not load. So Chinese runs are set in Droid Sans
/// Fallback (Debian fonts-droid-fallback, TrueType, CJK glyphs but no Latin) and everything else
/// in DejaVu Sans; <see cref="PdfText"/> splits each string into runs of the two.
/// </summary>
internal sealed class PdfFonts : IFontResolver
{
    public const string Latin = "Trabecula Latin";
    public const string Cjk = "Trabecula CJK";

    private const string Fonts = "/usr/share/fonts/truetype/";

    private static readonly Dictionary<string, Lazy<byte[]>> Faces = new(StringComparer.Ordinal)
    {
        ["latin"] = Load(Fonts + "dejavu/DejaVuSans.ttf"),
        ["latin-bold"] = Load(Fonts + "dejavu/DejaVuSans-Bold.ttf"),
        ["cjk"] = Load(Fonts + "droid/DroidSansFallbackFull.ttf"),
    };

    private static readonly Lock Gate = new();
    private static bool _installed;

    /// <summary>Sets the process-wide resolver once (PDFsharp's font settings are global).</summary>
    public static void EnsureInstalled()
    {
        lock (Gate)
        {
            if (!_installed)
            {
                GlobalFontSettings.FontResolver = new PdfFonts();
                _installed = true;
            }
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        string.Equals(familyName, Cjk, StringComparison.Ordinal)
            ? new FontResolverInfo("cjk", mustSimulateBold: bold, mustSimulateItalic: italic)
            : new FontResolverInfo(bold ? "latin-bold" : "latin", mustSimulateBold: false, mustSimulateItalic: italic);

    public byte[]? GetFont(string faceName) => Faces.TryGetValue(faceName, out var face) ? face.Value : null;

    private static Lazy<byte[]> Load(string path) => new(() => File.Exists(path)
        ? File.ReadAllBytes(path)
        : throw new InvalidOperationException($"{path} is missing: install fonts-dejavu-core and fonts-droid-fallback (Debian)."));
}

/// <summary>Text in one size and weight, drawn as runs of Latin and CJK fonts so that mixed Chinese and English lines render whole.</summary>
internal sealed class PdfText
{
    private readonly XFont _latin;
    private readonly XFont _cjk;

    public PdfText(double size, bool bold = false)
    {
        PdfFonts.EnsureInstalled();
        var style = bold ? XFontStyleEx.Bold : XFontStyleEx.Regular;
        _latin = new XFont(PdfFonts.Latin, size, style);
        _cjk = new XFont(PdfFonts.Cjk, size, style);
    }

    /// <summary>Draws <paramref name="text"/> with its baseline at <paramref name="y"/>.</summary>
    public void Draw(XGraphics g, string text, double x, double y)
    {
        ArgumentNullException.ThrowIfNull(g);
        foreach (var (run, font) in Runs(text))
        {
            g.DrawString(run, font, XBrushes.Black, x, y);
            x += g.MeasureString(run, font).Width;
        }
    }

    public double Width(XGraphics g, string text)
    {
        ArgumentNullException.ThrowIfNull(g);
        return Runs(text).Sum(r => g.MeasureString(r.Run, r.Font).Width);
    }

    private IEnumerable<(string Run, XFont Font)> Runs(string text)
    {
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || IsCjk(text[i]) != IsCjk(text[start]))
            {
                yield return (text[start..i], IsCjk(text[start]) ? _cjk : _latin);
                start = i;
            }
        }
    }

    /// <summary>CJK punctuation, kana, ideographs, Hangul and the full-width forms: what DejaVu Sans lacks.</summary>
    private static bool IsCjk(char c) => c is >= '\u2E80' and <= '\u9FFF' or >= '\uAC00' and <= '\uD7AF' or >= '\uF900' and <= '\uFAFF' or >= '\uFE30' and <= '\uFE4F' or >= '\uFF00' and <= '\uFFEF';
}
