using System.Text;

namespace Trabecula.Dicom.Text;

/// <summary>
/// The Specific Character Set (0008,0005) of a data set, decoding and encoding the text VRs
/// (PS3.5 section 6.1 and PS3.3 C.12.1.1.2). Without code extensions one encoding covers the whole
/// value; with "ISO 2022 IR ..." terms the escape sequences in the bytes switch the G0 and G1 sets,
/// which fall back to their initial state at each delimiter (PS3.5 section 6.1.2.5.3).
/// Encodings come from <see cref="CodePagesEncodingProvider"/> directly, without registering it,
/// so the process-wide encoding table is left alone.
/// </summary>
internal sealed class DicomCharacterSet
{
    private const byte Esc = 0x1B;

    private DicomCharacterSet(string[] terms, CharacterSetKind g0, CharacterSetKind g1, Encoding? single, bool extensions)
    {
        Terms = terms;
        InitialG0 = g0;
        InitialG1 = g1;
        SingleEncoding = single;
        HasCodeExtensions = extensions;
    }

    /// <summary>The default repertoire (ISO IR 6); bytes above 0x7F are read as Latin-1 to lose nothing.</summary>
    public static DicomCharacterSet Default { get; } = new([], CharacterSetKind.Ascii, CharacterSetKind.Latin1, Encodings.Latin1, false);

    public IReadOnlyList<string> Terms { get; }

    public bool HasCodeExtensions { get; }

    /// <summary>True for ISO_IR 192 (UTF-8), GB18030 and GBK, which are never combined with others.</summary>
    public bool IsUnicodeOrGb => SingleEncoding is not null && Terms.Count == 1
        && Terms[0] is "ISO_IR 192" or "GB18030" or "GBK";

    private CharacterSetKind InitialG0 { get; }

    private CharacterSetKind InitialG1 { get; }

    private Encoding? SingleEncoding { get; }

    /// <summary>Interprets the values of (0008,0005); unknown terms raise <see cref="NotSupportedException"/>.</summary>
    public static DicomCharacterSet FromTerms(IReadOnlyList<string> rawTerms)
    {
        ArgumentNullException.ThrowIfNull(rawTerms);
        var terms = rawTerms.Select(t => t.Trim()).ToArray();
        if (terms.Length == 0 || (terms.Length == 1 && terms[0].Length == 0))
        {
            return Default;
        }

        var extensions = terms.Any(t => t.StartsWith("ISO 2022", StringComparison.Ordinal));
        if (!extensions)
        {
            if (terms.Length > 1 && terms.Skip(1).Any(t => t.Length > 0))
            {
                throw new NotSupportedException($"Specific Character Set '{string.Join('\\', terms)}' combines sets without ISO 2022 code extensions.");
            }

            var (g0, g1) = Describe(terms[0]);
            var single = terms[0] switch
            {
                "ISO_IR 192" => Encodings.Utf8,
                "GB18030" => Encodings.Get(54936),
                "GBK" => Encodings.Get(936),
                "ISO_IR 13" => Encodings.Get(932),
                _ => Encodings.ForKind(g1),
            };
            return new DicomCharacterSet(terms, g0, g1, single, false);
        }

        var first = Describe(terms[0]);
        return new DicomCharacterSet(terms, first.G0, first.G1, null, true);
    }

    /// <summary>Decodes <paramref name="bytes"/> of a value of VR <paramref name="vr"/>.</summary>
    public string Decode(ReadOnlySpan<byte> bytes, DicomVR vr)
    {
        if (!DicomVRInfo.UsesCharacterSet(vr))
        {
            return Encodings.Latin1.GetString(bytes);
        }

        return SingleEncoding is not null ? SingleEncoding.GetString(bytes) : DecodeIso2022(bytes, vr == DicomVR.PN);
    }

    /// <summary>
    /// Encodes <paramref name="text"/>; false when this character set cannot hold it exactly
    /// (the caller then moves the data set to UTF-8).
    /// </summary>
    public bool TryEncode(string text, DicomVR vr, out byte[] bytes)
    {
        if (Ascii.IsValid(text))
        {
            bytes = Encoding.ASCII.GetBytes(text);
            return true;
        }

        bytes = [];
        if (!DicomVRInfo.UsesCharacterSet(vr) || SingleEncoding is null)
        {
            return false;
        }

        var candidate = SingleEncoding.GetBytes(text);
        if (SingleEncoding.GetString(candidate) != text)
        {
            return false;
        }

        bytes = candidate;
        return true;
    }

    private string DecodeIso2022(ReadOnlySpan<byte> bytes, bool personName)
    {
        var text = new StringBuilder(bytes.Length);
        var g0 = InitialG0;
        var g1 = InitialG1;
        var i = 0;
        while (i < bytes.Length)
        {
            var b = bytes[i];
            if (b == Esc)
            {
                i += ReadEscape(bytes[i..], ref g0, ref g1);
                continue;
            }

            if (b < 0x80 && IsMultiByte(g0))
            {
                // Two-byte G0 sets (JIS X 0208/0212) use 0x21-0x7E pairs, so no delimiter can occur inside.
                var run = i;
                while (i + 1 < bytes.Length && bytes[i] is >= 0x21 and < 0x7F && bytes[i + 1] is >= 0x21 and < 0x7F)
                {
                    i += 2;
                }

                if (i == run)
                {
                    text.Append((char)b);
                    i++;
                    continue;
                }

                AppendG0MultiByte(text, bytes[run..i], g0);
                continue;
            }

            if (b < 0x80)
            {
                if (b is 0x0D or 0x0A or 0x0C or 0x09 or (byte)'\\' || (personName && b is (byte)'^' or (byte)'='))
                {
                    g0 = InitialG0;
                    g1 = InitialG1;
                }

                text.Append((char)b);
                i++;
                continue;
            }

            var start = i;
            while (i < bytes.Length && bytes[i] >= 0x80)
            {
                i++;
            }

            text.Append(Encodings.ForKind(g1).GetString(bytes[start..i]));
        }

        return text.ToString();
    }

    private static void AppendG0MultiByte(StringBuilder text, ReadOnlySpan<byte> pairs, CharacterSetKind g0)
    {
        // JIS X 0208 and 0212 are decoded through EUC-JP: set the high bit of each byte (0212 adds 0x8F).
        var perChar = g0 == CharacterSetKind.JisX0212 ? 3 : 2;
        var euc = new byte[pairs.Length / 2 * perChar];
        for (int s = 0, d = 0; s + 1 < pairs.Length; s += 2)
        {
            if (perChar == 3)
            {
                euc[d++] = 0x8F;
            }

            euc[d++] = (byte)(pairs[s] | 0x80);
            euc[d++] = (byte)(pairs[s + 1] | 0x80);
        }

        text.Append(Encodings.EucJp.GetString(euc));
    }

    private static int ReadEscape(ReadOnlySpan<byte> span, ref CharacterSetKind g0, ref CharacterSetKind g1)
    {
        static bool Is(ReadOnlySpan<byte> s, ReadOnlySpan<byte> seq) => s.StartsWith(seq);

        if (Is(span, "\u001B(B"u8)) { g0 = CharacterSetKind.Ascii; return 3; }
        if (Is(span, "\u001B(J"u8)) { g0 = CharacterSetKind.Ascii; return 3; }
        if (Is(span, "\u001B$B"u8) || Is(span, "\u001B$@"u8)) { g0 = CharacterSetKind.JisX0208; return 3; }
        if (Is(span, "\u001B$(D"u8)) { g0 = CharacterSetKind.JisX0212; return 4; }
        if (Is(span, "\u001B)I"u8)) { g1 = CharacterSetKind.Katakana; return 3; }
        if (Is(span, "\u001B$)C"u8)) { g1 = CharacterSetKind.KsX1001; return 4; }
        if (Is(span, "\u001B$)A"u8)) { g1 = CharacterSetKind.Gb2312; return 4; }
        if (span.Length >= 3 && span[1] == (byte)'-')
        {
            var kind = span[2] switch
            {
                (byte)'A' => CharacterSetKind.Latin1,
                (byte)'B' => CharacterSetKind.Latin2,
                (byte)'C' => CharacterSetKind.Latin3,
                (byte)'D' => CharacterSetKind.Latin4,
                (byte)'L' => CharacterSetKind.Cyrillic,
                (byte)'G' => CharacterSetKind.Arabic,
                (byte)'F' => CharacterSetKind.Greek,
                (byte)'H' => CharacterSetKind.Hebrew,
                (byte)'M' => CharacterSetKind.Latin5,
                (byte)'T' => CharacterSetKind.Thai,
                (byte)'b' => CharacterSetKind.Latin9,
                _ => g1,
            };
            g1 = kind;
            return 3;
        }

        // An escape this decoder does not know: drop the ESC byte and read on.
        return 1;
    }

    private static bool IsMultiByte(CharacterSetKind kind) => kind is CharacterSetKind.JisX0208 or CharacterSetKind.JisX0212;

    private static (CharacterSetKind G0, CharacterSetKind G1) Describe(string term) => term switch
    {
        "" or "ISO_IR 6" or "ISO 2022 IR 6" => (CharacterSetKind.Ascii, CharacterSetKind.Latin1),
        "ISO_IR 100" or "ISO 2022 IR 100" => (CharacterSetKind.Ascii, CharacterSetKind.Latin1),
        "ISO_IR 101" or "ISO 2022 IR 101" => (CharacterSetKind.Ascii, CharacterSetKind.Latin2),
        "ISO_IR 109" or "ISO 2022 IR 109" => (CharacterSetKind.Ascii, CharacterSetKind.Latin3),
        "ISO_IR 110" or "ISO 2022 IR 110" => (CharacterSetKind.Ascii, CharacterSetKind.Latin4),
        "ISO_IR 144" or "ISO 2022 IR 144" => (CharacterSetKind.Ascii, CharacterSetKind.Cyrillic),
        "ISO_IR 127" or "ISO 2022 IR 127" => (CharacterSetKind.Ascii, CharacterSetKind.Arabic),
        "ISO_IR 126" or "ISO 2022 IR 126" => (CharacterSetKind.Ascii, CharacterSetKind.Greek),
        "ISO_IR 138" or "ISO 2022 IR 138" => (CharacterSetKind.Ascii, CharacterSetKind.Hebrew),
        "ISO_IR 148" or "ISO 2022 IR 148" => (CharacterSetKind.Ascii, CharacterSetKind.Latin5),
        "ISO_IR 166" or "ISO 2022 IR 166" => (CharacterSetKind.Ascii, CharacterSetKind.Thai),
        "ISO_IR 203" or "ISO 2022 IR 203" => (CharacterSetKind.Ascii, CharacterSetKind.Latin9),
        "ISO_IR 13" or "ISO 2022 IR 13" => (CharacterSetKind.Ascii, CharacterSetKind.Katakana),
        "ISO 2022 IR 87" => (CharacterSetKind.JisX0208, CharacterSetKind.Latin1),
        "ISO 2022 IR 159" => (CharacterSetKind.JisX0212, CharacterSetKind.Latin1),
        "ISO 2022 IR 149" => (CharacterSetKind.Ascii, CharacterSetKind.KsX1001),
        "ISO 2022 IR 58" => (CharacterSetKind.Ascii, CharacterSetKind.Gb2312),
        "ISO_IR 192" or "GB18030" or "GBK" => (CharacterSetKind.Ascii, CharacterSetKind.Latin1),
        _ => throw new NotSupportedException($"Specific Character Set term '{term}' is not supported."),
    };
}
