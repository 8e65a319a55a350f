namespace Trabecula.Mesh;

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

/// <summary>Peeking at the first bytes of a stream without losing them.</summary>
internal static class StreamHead
{
    /// <summary>
    /// Reads up to <paramref name="count"/> bytes and returns them with a stream that yields the
    /// whole input again: the original rewound when it can seek, otherwise a concatenation.
    /// </summary>
    public static (byte[] Head, Stream Whole) Peek(Stream stream, int count)
    {
        var head = new byte[count];
        var start = stream.CanSeek ? stream.Position : 0;
        var got = stream.ReadAtLeast(head, count, throwOnEndOfStream: false);
        Array.Resize(ref head, got);
        if (stream.CanSeek)
        {
            stream.Position = start;
            return (head, stream);
        }

        return (head, new ConcatStream(new MemoryStream(head, writable: false), stream));
    }

    /// <summary>Copies a forward-only stream into memory, refusing more than <paramref name="limit"/> bytes.</summary>
    public static MemoryStream Buffer(Stream stream, long limit)
    {
        var memory = new MemoryStream();
        var block = new byte[81920];
        int n;
        while ((n = stream.Read(block)) > 0)
        {
            if (memory.Length + n > limit)
            {
                throw new MeshFormatException(FormattableString.Invariant($"Input is larger than {limit} bytes."), limit, 0);
            }

            memory.Write(block, 0, n);
        }

        memory.Position = 0;
        return memory;
    }
}
