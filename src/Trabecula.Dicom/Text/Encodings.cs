using System.Text;

namespace Trabecula.Dicom.Text;

/// <summary>The .NET encodings behind the DICOM character sets, fetched once (they are immutable).</summary>
internal static class Encodings
{
    public static Encoding Latin1 { get; } = Encoding.Latin1;

    public static Encoding Utf8 { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    public static Encoding EucJp { get; } = Get(20932);

    public static Encoding Get(int codePage) =>
        CodePagesEncodingProvider.Instance.GetEncoding(codePage) ?? Encoding.GetEncoding(codePage);

    public static Encoding ForKind(CharacterSetKind kind) => kind switch
    {
        CharacterSetKind.Ascii or CharacterSetKind.Latin1 => Latin1,
        CharacterSetKind.Latin2 => Get(28592),
        CharacterSetKind.Latin3 => Get(28593),
        CharacterSetKind.Latin4 => Get(28594),
        CharacterSetKind.Latin5 => Get(28599),
        CharacterSetKind.Latin9 => Get(28605),
        CharacterSetKind.Cyrillic => Get(28595),
        CharacterSetKind.Arabic => Get(28596),
        CharacterSetKind.Greek => Get(28597),
        CharacterSetKind.Hebrew => Get(28598),
        CharacterSetKind.Thai => Get(874),
        CharacterSetKind.Katakana => Get(932),
        CharacterSetKind.KsX1001 => Get(949),
        CharacterSetKind.Gb2312 => Get(936),
        _ => Latin1,
    };
}
