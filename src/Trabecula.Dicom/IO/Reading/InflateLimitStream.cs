using System.IO.Compression;

namespace Trabecula.Dicom.IO.Reading;

/// <summary>
/// Inflates a deflated data set (RFC 1951, no zlib header) and stops a deflate bomb: the inflated
/// size may not exceed a ratio of the compressed bytes consumed so far, nor an absolute cap.
/// </summary>
internal sealed class InflateLimitStream : Stream
{
    private const long FreeAllowance = 1L << 20;
    private readonly CountingStream _compressed;
    private readonly DeflateStream _inflater;
    private readonly double _maxRatio;
    private readonly long _maxBytes;
    private readonly Func<string, Exception> _fail;
    private long _inflated;

    public InflateLimitStream(Stream compressed, double maxRatio, long maxBytes, Func<string, Exception> fail)
    {
        _compressed = new CountingStream(compressed);
        _inflater = new DeflateStream(_compressed, CompressionMode.Decompress, leaveOpen: true);
        _maxRatio = maxRatio;
        _maxBytes = maxBytes;
        _fail = fail;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n;
        try
        {
            n = _inflater.Read(buffer);
        }
        catch (InvalidDataException ex)
        {
            throw _fail("Deflated data set is corrupt: " + ex.Message);
        }

        _inflated += n;
        if (_inflated > _maxBytes)
        {
            throw _fail(FormattableString.Invariant($"Deflated data set inflates beyond {_maxBytes} bytes."));
        }

        if (_inflated > FreeAllowance && _inflated > _maxRatio * Math.Max(1, _compressed.Count))
        {
            throw _fail(FormattableString.Invariant($"Deflated data set inflates more than {_maxRatio}:1 (deflate bomb)."));
        }

        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inflater.Dispose();
        }

        base.Dispose(disposing);
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            Count += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
