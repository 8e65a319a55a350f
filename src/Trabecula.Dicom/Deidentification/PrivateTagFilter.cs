using Trabecula.Dicom.IO.Reading;

namespace Trabecula.Dicom.Deidentification;

/// <summary>
/// A reader observer in front of the data set builder that drops private elements (sequences with
/// all their items) of groups without safe-listed attributes, so they are never built in memory.
/// </summary>
internal sealed class PrivateTagFilter(IDicomReaderObserver next, IReadOnlySet<ushort> groupsToKeep) : IDicomReaderObserver
{
    private int _skipping;

    private bool Drops(DicomTag tag) => (tag.Group & 1) == 1 && !groupsToKeep.Contains(tag.Group);

    public void OnElement(DicomTag tag, DicomVR vr, long offset, ReadOnlyMemory<byte> value)
    {
        if (_skipping == 0 && !Drops(tag))
        {
            next.OnElement(tag, vr, offset, value);
        }
    }

    public void OnBeginSequence(DicomTag tag, DicomVR vr, long offset, bool undefinedLength)
    {
        if (_skipping > 0 || Drops(tag))
        {
            _skipping++;
            return;
        }

        next.OnBeginSequence(tag, vr, offset, undefinedLength);
    }

    public void OnBeginItem(long offset, bool undefinedLength)
    {
        if (_skipping == 0)
        {
            next.OnBeginItem(offset, undefinedLength);
        }
    }

    public void OnEndItem()
    {
        if (_skipping == 0)
        {
            next.OnEndItem();
        }
    }

    public void OnEndSequence()
    {
        if (_skipping > 0)
        {
            _skipping--;
            return;
        }

        next.OnEndSequence();
    }

    public void OnBeginFragments(DicomTag tag, DicomVR vr, long offset)
    {
        if (_skipping > 0 || Drops(tag))
        {
            _skipping++;
            return;
        }

        next.OnBeginFragments(tag, vr, offset);
    }

    public void OnFragment(long offset, ReadOnlyMemory<byte> data)
    {
        if (_skipping == 0)
        {
            next.OnFragment(offset, data);
        }
    }

    public void OnEndFragments()
    {
        if (_skipping > 0)
        {
            _skipping--;
            return;
        }

        next.OnEndFragments();
    }
}
