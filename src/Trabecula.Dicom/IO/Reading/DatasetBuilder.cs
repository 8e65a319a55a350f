namespace Trabecula.Dicom.IO.Reading;

/// <summary>The observer that turns reader events into a <see cref="DicomDataset"/> tree.</summary>
internal sealed class DatasetBuilder : IDicomReaderObserver
{
    private readonly Stack<DicomDataset> _datasets = new();
    private readonly Stack<DicomSequence> _sequences = new();
    private DicomFragmentSequence? _fragments;
    private bool _offsetTableSeen;

    public DatasetBuilder(DicomDataset root)
    {
        Root = root;
        _datasets.Push(root);
    }

    public DicomDataset Root { get; }

    public void OnElement(DicomTag tag, DicomVR vr, long offset, ReadOnlyMemory<byte> value) =>
        _datasets.Peek().AddOrUpdate(new DicomElement(tag, vr, value));

    public void OnBeginSequence(DicomTag tag, DicomVR vr, long offset, bool undefinedLength)
    {
        var sequence = new DicomSequence(tag) { HasUndefinedLength = undefinedLength, EncodedAsUnknown = vr == DicomVR.UN };
        _datasets.Peek().AddOrUpdate(sequence);
        _sequences.Push(sequence);
    }

    public void OnBeginItem(long offset, bool undefinedLength)
    {
        var item = new DicomDataset { HasUndefinedLength = undefinedLength };
        _sequences.Peek().Add(item);
        _datasets.Push(item);
    }

    public void OnEndItem() => _datasets.Pop();

    public void OnEndSequence() => _sequences.Pop();

    public void OnBeginFragments(DicomTag tag, DicomVR vr, long offset)
    {
        _fragments = new DicomFragmentSequence(tag, vr);
        _offsetTableSeen = false;
        _datasets.Peek().AddOrUpdate(_fragments);
    }

    public void OnFragment(long offset, ReadOnlyMemory<byte> data)
    {
        if (!_offsetTableSeen)
        {
            _fragments!.OffsetTable = data;
            _offsetTableSeen = true;
        }
        else
        {
            _fragments!.AddFragment(data);
        }
    }

    public void OnEndFragments() => _fragments = null;
}
