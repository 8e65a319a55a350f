namespace Trabecula.Dicom;

/// <summary>A sequence of items (VR SQ), each item a <see cref="DicomDataset"/>.</summary>
public sealed class DicomSequence : DicomElement
{
    private readonly List<DicomDataset> _items = [];

    /// <summary>Creates an empty sequence.</summary>
    public DicomSequence(DicomTag tag)
        : base(tag, DicomVR.SQ, ReadOnlyMemory<byte>.Empty)
    {
    }

    /// <summary>The items, in order.</summary>
    public IReadOnlyList<DicomDataset> Items => _items;

    /// <summary>True when the sequence was read with an undefined length; the writer keeps that.</summary>
    public bool HasUndefinedLength { get; set; }

    /// <summary>
    /// True when the sequence was read as an undefined-length UN element (PS3.5 section 6.2.2):
    /// written back the same way, with its items in Implicit VR Little Endian.
    /// </summary>
    internal bool EncodedAsUnknown { get; set; }

    /// <summary>Appends an item and makes this sequence's data set its parent.</summary>
    public void Add(DicomDataset item)
    {
        ArgumentNullException.ThrowIfNull(item);
        item.Parent = ParentDataset;
        _items.Add(item);
    }

    /// <summary>Removes the item at <paramref name="index"/>.</summary>
    public void RemoveAt(int index) => _items.RemoveAt(index);

    /// <summary>The data set that holds this sequence, for character set inheritance.</summary>
    internal DicomDataset? ParentDataset
    {
        get;
        set
        {
            field = value;
            foreach (var item in _items)
            {
                item.Parent = value;
            }
        }
    }
}
