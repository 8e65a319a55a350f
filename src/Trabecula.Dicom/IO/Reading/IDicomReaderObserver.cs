namespace Trabecula.Dicom.IO.Reading;

/// <summary>
/// Receives what <see cref="DicomStreamReader"/> finds, in file order (the fo-dicom
/// IDicomReaderObserver shape). Values are little endian; offsets are those of the element header.
/// </summary>
internal interface IDicomReaderObserver
{
    void OnElement(DicomTag tag, DicomVR vr, long offset, ReadOnlyMemory<byte> value);

    void OnBeginSequence(DicomTag tag, DicomVR vr, long offset, bool undefinedLength);

    void OnBeginItem(long offset, bool undefinedLength);

    void OnEndItem();

    void OnEndSequence();

    void OnBeginFragments(DicomTag tag, DicomVR vr, long offset);

    /// <summary>One item of encapsulated data; the first is the basic offset table.</summary>
    void OnFragment(long offset, ReadOnlyMemory<byte> data);

    void OnEndFragments();
}
