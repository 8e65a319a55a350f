namespace Trabecula.Dicom;

/// <summary>
/// Encapsulated pixel data (PS3.5 section A.4): an undefined-length element holding a basic offset
/// table item followed by one item per fragment. The bytes are kept as read, not decoded.
/// </summary>
public sealed class DicomFragmentSequence : DicomElement
{
    private readonly List<ReadOnlyMemory<byte>> _fragments = [];

    /// <summary>Creates encapsulated data with an empty offset table and no fragments.</summary>
    public DicomFragmentSequence(DicomTag tag, DicomVR vr)
        : base(tag, vr, ReadOnlyMemory<byte>.Empty)
    {
    }

    /// <summary>The basic offset table (the first item), possibly empty.</summary>
    public ReadOnlyMemory<byte> OffsetTable { get; set; }

    /// <summary>The fragments after the offset table.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Fragments => _fragments;

    /// <summary>Appends a fragment.</summary>
    public void AddFragment(ReadOnlyMemory<byte> fragment) => _fragments.Add(fragment);
}
