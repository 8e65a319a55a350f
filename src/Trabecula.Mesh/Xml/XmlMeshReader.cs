using System.Globalization;
using System.IO.Compression;
using System.Xml;

namespace Trabecula.Mesh.Xml;

/// <summary>Hardened XmlReader plumbing shared by the AMF and 3MF readers.</summary>
internal sealed class XmlMeshReader : IDisposable
{
    private readonly XmlReader _reader;
    private readonly int _maxDepth;

    public XmlMeshReader(Stream stream, MeshReadLimits limits)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = limits.MaxCharactersInDocument,
            MaxCharactersFromEntities = 1024,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
            CloseInput = false,
        };
        _reader = XmlReader.Create(stream, settings);
        _maxDepth = limits.MaxDepth;
    }

    public XmlReader Reader => _reader;

    public string LocalName => _reader.LocalName;

    public string NamespaceUri => _reader.NamespaceURI;

    public int Line => (_reader as IXmlLineInfo)?.LineNumber ?? 0;

    public MeshFormatException Error(string message) => new(message, -1, Line);

    /// <summary>Moves to the root element and returns its local name.</summary>
    public string Root()
    {
        Guard(() => _reader.MoveToContent());
        if (_reader.NodeType != XmlNodeType.Element)
        {
            throw Error("No root element.");
        }

        return _reader.LocalName;
    }

    public string? Attribute(string name) => _reader.GetAttribute(name);

    /// <summary>
    /// With the reader on a start element, yields once per child element; the caller consumes each
    /// child entirely (<see cref="Children"/>, <see cref="Text"/> or <see cref="Skip"/>).
    /// </summary>
    public IEnumerable<string> Children()
    {
        if (_reader.Depth >= _maxDepth)
        {
            throw Error("XML nested deeper than " + _maxDepth.ToString(CultureInfo.InvariantCulture) + " elements.");
        }

        if (_reader.IsEmptyElement)
        {
            Guard(() => _reader.Read());
            yield break;
        }

        var depth = _reader.Depth;
        Guard(() => _reader.Read());
        while (true)
        {
            if (_reader.EOF)
            {
                throw Error("Unexpected end of XML.");
            }

            if (_reader.NodeType == XmlNodeType.EndElement && _reader.Depth == depth)
            {
                Guard(() => _reader.Read());
                yield break;
            }

            if (_reader.NodeType == XmlNodeType.Element)
            {
                yield return _reader.LocalName;
            }
            else
            {
                Guard(() => _reader.Read());
            }
        }
    }

    /// <summary>Skips the current element, enforcing the depth bound inside it.</summary>
    public void Skip()
    {
        foreach (var unused in Children())
        {
            Skip();
        }
    }

    public string Text()
    {
        if (_reader.Depth >= _maxDepth)
        {
            throw Error("XML nested deeper than " + _maxDepth.ToString(CultureInfo.InvariantCulture) + " elements.");
        }

        return Guard(() => _reader.ReadElementContentAsString());
    }

    public float Number(string? text, string what)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw Error("Not a number in " + what + ": '" + text + "'.");
        }

        var single = (float)value;
        if (!float.IsFinite(single))
        {
            throw Error("Number in " + what + " is NaN or infinite: '" + text + "'.");
        }

        return single;
    }

    public int Index(string? text, string what)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw Error("Not a vertex index in " + what + ": '" + text + "'.");
        }

        return value;
    }

    public void Dispose() => _reader.Dispose();

    private T Guard<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (XmlException e)
        {
            throw new MeshFormatException("Malformed or refused XML: " + e.Message, -1, e.LineNumber > 0 ? e.LineNumber : Line, e);
        }
    }
}

/// <summary>Zip entries read within <see cref="MeshReadLimits"/>.</summary>
internal static class BoundedZip
{
    public static bool IsZip(ReadOnlySpan<byte> head) => head.StartsWith("PK\x03\x04"u8);

    public static ZipArchive Open(Stream stream, MeshReadLimits limits)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new MeshFormatException("Malformed zip container: " + e.Message, e);
        }

        // The central directory is parsed on opening; its size is bounded by the input's length.
        var count = archive.Entries.Count;
        if (count > limits.MaxZipEntries)
        {
            archive.Dispose();
            throw new MeshFormatException(FormattableString.Invariant($"Zip container has {count} entries, more than {limits.MaxZipEntries}."));
        }

        return archive;
    }

    /// <summary>Opens an entry through a stream that refuses to inflate past the limit.</summary>
    public static Stream OpenEntry(ZipArchiveEntry entry, MeshReadLimits limits)
    {
        try
        {
            return new LimitedStream(entry.Open(), limits.MaxInflatedBytes, entry.FullName);
        }
        catch (InvalidDataException e)
        {
            throw new MeshFormatException("Malformed zip entry " + entry.FullName + ": " + e.Message, e);
        }
    }

    private sealed class LimitedStream(Stream inner, long limit, string name) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n;
            try
            {
                n = inner.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                throw new MeshFormatException("Malformed zip entry " + name + ": " + e.Message, _read, 0, e);
            }

            _read += n;
            if (_read > limit)
            {
                throw new MeshFormatException(FormattableString.Invariant($"Zip entry {name} inflates to more than {limit} bytes."), limit, 0);
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
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
