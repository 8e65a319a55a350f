using System.Buffers.Binary;

namespace Trabecula.Dicom.IO.Reading;

/// <summary>
/// Buffered, forward-only reading from a stream with an absolute position. Values are allocated
/// only for bytes that are really there: a seekable stream is checked against its remaining
/// length first, any other stream is read in growing chunks, so a forged length of 4 GiB on a
/// 1 KiB input costs at most about twice the bytes present.
/// </summary>
internal sealed class ByteSource : IDisposable
{
    private const int ChunkSize = 1 << 16;
    private readonly byte[] _buffer = new byte[ChunkSize];
    private readonly Func<string, Exception> _fail;
    private Stream _stream;
    private InflateLimitStream? _inflater;
    private bool _seekable;
    private readonly long _streamLength;
    private int _start;
    private int _end;
    private bool _eof;

    public ByteSource(Stream stream, Func<string, Exception> fail)
    {
        _stream = stream;
        _fail = fail;
        _seekable = stream.CanSeek;
        // Asked once: a FileStream answers Length with a system call, and Remaining is checked per element.
        _streamLength = _seekable ? stream.Length : -1;
    }

    /// <summary>
    /// Where values of at least <see cref="ChunkSize"/> bytes come from on a seekable stream
    /// (null: new arrays). The de-identifier lends reused buffers here so that pixel data does not
    /// cost a fresh large-object allocation per file; the array may be longer than the value.
    /// </summary>
    public Func<int, byte[]>? LargeValues { get; set; }

    /// <summary>Bytes consumed so far from the start of the data.</summary>
    public long Position { get; private set; }

    /// <summary>Bytes left when the stream can tell; null for a non-seekable or inflating stream.</summary>
    public long? Remaining => _seekable ? _streamLength - _stream.Position + (_end - _start) : null;

    /// <summary>Up to <paramref name="count"/> (at most 64 KiB) bytes ahead without consuming them; shorter at the end.</summary>
    public ReadOnlySpan<byte> Peek(int count)
    {
        Fill(count);
        return _buffer.AsSpan(_start, Math.Min(count, _end - _start));
    }

    public bool AtEnd => Peek(1).IsEmpty;

    public void Skip(int count)
    {
        if (Peek(count).Length < count)
        {
            throw _fail("Unexpected end of data.");
        }

        _start += count;
        Position += count;
    }

    public ushort ReadUInt16(bool bigEndian)
    {
        var span = Take(2);
        return bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span) : BinaryPrimitives.ReadUInt16LittleEndian(span);
    }

    public uint ReadUInt32(bool bigEndian)
    {
        var span = Take(4);
        return bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span);
    }

    public DicomTag ReadTag(bool bigEndian)
    {
        var group = ReadUInt16(bigEndian);
        return new DicomTag(group, ReadUInt16(bigEndian));
    }

    /// <summary>
    /// Reads exactly <paramref name="length"/> bytes, or fails at the end of data: into a new array,
    /// or for a large value on a seekable stream into one from <see cref="LargeValues"/>.
    /// </summary>
    public Memory<byte> ReadValue(long length)
    {
        if (LargeValues is null || !_seekable || length < ChunkSize || length > Array.MaxLength)
        {
            return ReadBytes(length);
        }

        if (length > Remaining)
        {
            throw _fail(FormattableString.Invariant($"Value length {length} exceeds the {Remaining} bytes left."));
        }

        var total = (int)length;
        var result = LargeValues(total);
        var buffered = Math.Min(_end - _start, total);
        _buffer.AsSpan(_start, buffered).CopyTo(result);
        _start += buffered;
        Position += buffered;
        var filled = buffered;
        while (filled < total)
        {
            var read = _stream.Read(result, filled, total - filled);
            if (read <= 0)
            {
                _eof = true;
                throw _fail(FormattableString.Invariant($"Value length {length} exceeds the {filled} bytes left."));
            }

            filled += read;
            Position += read;
        }

        return result.AsMemory(0, total);
    }

    /// <summary>Reads exactly <paramref name="length"/> bytes into a new array, or fails at the end of data.</summary>
    public byte[] ReadBytes(long length)
    {
        if (length > Array.MaxLength)
        {
            throw _fail(FormattableString.Invariant($"Value length {length} is larger than any supported value."));
        }

        if (Remaining is { } remaining && length > remaining)
        {
            throw _fail(FormattableString.Invariant($"Value length {length} exceeds the {remaining} bytes left."));
        }

        var total = (int)length;
        var result = new byte[Math.Min(total, _seekable ? total : ChunkSize)];
        var filled = 0;
        while (filled < total)
        {
            if (filled == result.Length)
            {
                // Non-seekable input: grow only as bytes actually arrive.
                Array.Resize(ref result, (int)Math.Min(total, (long)result.Length * 2));
            }

            var buffered = _end - _start;
            if (buffered > 0)
            {
                var n = Math.Min(buffered, result.Length - filled);
                _buffer.AsSpan(_start, n).CopyTo(result.AsSpan(filled));
                _start += n;
                filled += n;
                Position += n;
                continue;
            }

            var read = _eof ? 0 : _stream.Read(result, filled, result.Length - filled);
            if (read <= 0)
            {
                _eof = true;
                throw _fail(FormattableString.Invariant($"Value length {length} exceeds the {filled} bytes left."));
            }

            filled += read;
            Position += read;
        }

        return result;
    }

    /// <summary>From here on, read the rest of the stream through an inflater with bomb limits.</summary>
    public void StartInflating(double maxRatio, long maxBytes)
    {
        var rest = new PrefixedStream(_buffer.AsMemory(_start, _end - _start).ToArray(), _stream);
        _inflater = new InflateLimitStream(rest, maxRatio, maxBytes, _fail);
        _stream = _inflater;
        _seekable = false;
        _start = _end = 0;
        _eof = false;
    }

    /// <summary>Disposes the inflater this source created; the caller's stream stays open.</summary>
    public void Dispose() => _inflater?.Dispose();

    private ReadOnlySpan<byte> Take(int count)
    {
        var span = Peek(count);
        if (span.Length < count)
        {
            throw _fail("Unexpected end of data.");
        }

        _start += count;
        Position += count;
        return span;
    }

    private void Fill(int count)
    {
        if (_end - _start >= count || _eof)
        {
            return;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        while (_end < count && _end < _buffer.Length)
        {
            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read <= 0)
            {
                _eof = true;
                return;
            }

            _end += read;
        }
    }
}
