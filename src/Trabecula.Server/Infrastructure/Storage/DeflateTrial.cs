using System.Buffers;
using System.IO.Compression;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// The compression trial of <see cref="BlobCompressionMode.Auto"/>, done by the deflater that
/// would compress the blob: the sample's output is held in a pooled array, and when it pays the
/// held bytes go to the sealer first and the same deflater carries on with the rest. The sample
/// is deflated once, not once on trial and again for real (a 256 KiB trial cost about 3 ms per
/// CT slice on top of the 6 ms of the whole file). Output that outgrows the sample's size does
/// not pay by definition and stops being held.
/// </summary>
internal sealed class DeflateTrial : WriteOnlyStream
{
    private byte[]? _held;
    private int _heldLength;
    private bool _overflowed;
    private Stream? _target;

    private DeflateTrial(int capacity)
    {
        _held = ArrayPool<byte>.Shared.Rent(capacity);
        Deflater = new ZLibStream(this, CompressionLevel.Fastest, leaveOpen: true);
    }

    /// <summary>The deflater; after <see cref="ForwardToAsync"/>, write the rest of the plaintext here and dispose it to end the stream.</summary>
    public ZLibStream Deflater { get; }

    /// <summary>Deflates <paramref name="sample"/> (flushed, so that all of its output is counted) and tells whether it shrank below <paramref name="worthIt"/> of its size.</summary>
    public static DeflateTrial Run(ReadOnlySpan<byte> sample, double worthIt, out bool pays)
    {
        var trial = new DeflateTrial(sample.Length);
        trial.Deflater.Write(sample);
        trial.Deflater.Flush();
        pays = !trial._overflowed && trial._heldLength < sample.Length * worthIt;
        return trial;
    }

    /// <summary>Writes the held output to <paramref name="target"/> and sends everything after it there too.</summary>
    public async Task ForwardToAsync(Stream target, CancellationToken cancellationToken)
    {
        if (_overflowed || _held is null)
        {
            throw new InvalidOperationException("The trial did not pay; its output was not kept.");
        }

        await target.WriteAsync(_held.AsMemory(0, _heldLength), cancellationToken);
        _target = target;
        Release();
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_target is not null)
        {
            _target.Write(buffer);
            return;
        }

        if (_overflowed || _held is null || _heldLength + buffer.Length > _held.Length)
        {
            _overflowed = true;
            return;
        }

        buffer.CopyTo(_held.AsSpan(_heldLength));
        _heldLength += buffer.Length;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_target is not null)
        {
            await _target.WriteAsync(buffer, cancellationToken);
            return;
        }

        Write(buffer.Span);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Release();
        }

        base.Dispose(disposing);
    }

    private void Release()
    {
        if (_held is { } held)
        {
            _held = null;
            ArrayPool<byte>.Shared.Return(held, clearArray: true);
        }
    }
}
