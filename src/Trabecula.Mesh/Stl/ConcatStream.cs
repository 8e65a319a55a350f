namespace Trabecula.Mesh.Stl;

/// <summary>A forward-only stream that reads the bytes already consumed, then the rest.</summary>
internal sealed class ConcatStream(Stream first, Stream second) : Stream
{
    private bool _firstDone;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!_firstDone)
        {
            var n = first.Read(buffer);
            if (n > 0)
            {
                return n;
            }

            _firstDone = true;
        }

        return second.Read(buffer);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
