using System.Buffers;

namespace Trabecula.Server.Features.PatientData;

/// <summary>
/// Lends the DICOM reader pooled arrays for the large values (pixel data) of one file and takes
/// them back, cleared, when the request is done with the data set. A fresh 512 KiB array per CT
/// slice would be a large-object allocation per request, and those drive background gen-2
/// collections. At most the file's own bytes are lent: the reader checks each length against the
/// bytes present before it asks.
/// </summary>
internal sealed class PooledDicomValues : IDisposable
{
    private List<byte[]>? _lent;

    public byte[] Rent(int length)
    {
        var array = ArrayPool<byte>.Shared.Rent(length);
        (_lent ??= []).Add(array);
        return array;
    }

    public void Dispose()
    {
        if (_lent is null)
        {
            return;
        }

        foreach (var array in _lent)
        {
            ArrayPool<byte>.Shared.Return(array, clearArray: true);
        }

        _lent = null;
    }
}
