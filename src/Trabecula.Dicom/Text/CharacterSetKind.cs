namespace Trabecula.Dicom.Text;

/// <summary>A graphic character set that can be designated to G0 or G1 (PS3.3 tables C.12-2 to C.12-5).</summary>
internal enum CharacterSetKind
{
    Ascii,
    Latin1,
    Latin2,
    Latin3,
    Latin4,
    Latin5,
    Latin9,
    Cyrillic,
    Arabic,
    Greek,
    Hebrew,
    Thai,
    Katakana,
    JisX0208,
    JisX0212,
    KsX1001,
    Gb2312,
}
