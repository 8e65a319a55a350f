namespace Trabecula.Dicom;

/// <summary>
/// A data element with a value of bytes. Values are held in little-endian byte order whatever the
/// transfer syntax they were read from; the writer swaps them back when it writes big endian.
/// Sequences and encapsulated pixel data are the subclasses <see cref="DicomSequence"/> and
/// <see cref="DicomFragmentSequence"/>.
/// </summary>
public class DicomElement
{
    /// <summary>Creates an element holding <paramref name="value"/> as its bytes.</summary>
    public DicomElement(DicomTag tag, DicomVR vr, ReadOnlyMemory<byte> value)
    {
        Tag = tag;
        VR = vr;
        Value = value;
    }

    /// <summary>The tag.</summary>
    public DicomTag Tag { get; }

    /// <summary>The value representation.</summary>
    public DicomVR VR { get; }

    /// <summary>The value bytes as read, padding included; empty for sequences and fragments.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <inheritdoc />
    public override string ToString() =>
        FormattableString.Invariant($"{Tag} {DicomVRInfo.ToCode(VR)} [{Value.Length} bytes]");
}
