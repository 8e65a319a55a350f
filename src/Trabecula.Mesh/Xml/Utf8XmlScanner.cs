using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Trabecula.Mesh.Xml;

/// <summary>
/// A pull reader for the XML that mesh formats use, working on UTF-8 bytes without decoding them:
/// elements, attributes, text with the five predefined entities and character references, CDATA,
/// comments and processing instructions. A document type declaration is refused outright (so no
/// entity can be defined, expanded or fetched: no XXE, no billion laughs); nesting and document
/// size are bounded by <see cref="MeshReadLimits"/>. Input in another encoding (a UTF-16 byte order
/// mark or an encoding declaration) is transcoded to UTF-8 first.
/// </summary>
/// <remarks>
/// XmlReader decodes every byte to UTF-16 and allocates a string per value; for an AMF file, where
/// almost every byte is markup around a number, that was the whole cost of reading. This reader
/// parses the numbers straight from the bytes. It checks what a mesh reader relies on (matching end
/// tags, one root, attribute syntax, no undefined entities) rather than every production of XML 1.0.
/// </remarks>
internal sealed class Utf8XmlScanner
{
    private const int InitialBuffer = 1 << 20;
    private static readonly System.Buffers.SearchValues<byte> TagSpecials = System.Buffers.SearchValues.Create("<>\"'"u8);
    private static readonly System.Buffers.SearchValues<byte> NameEnd = System.Buffers.SearchValues.Create(" \t\r\n/>"u8);
    private readonly Stream _stream;
    private readonly int _maxDepth;
    private readonly long _maxBytes;
    private readonly List<(int Start, int Length)> _attributes = [];
    private byte[] _tag = new byte[256];
    private byte[] _gathered = [];
    private byte[] _buffer = new byte[InitialBuffer];
    private int _pos;
    private int _end;
    private bool _eof;
    private long _consumed;
    private int _lineAtPos = 1;
    // Element names are interned in a few slots per depth (qualified name for matching end tags,
    // local part after any prefix, and its string when asked for): the children of an AMF
    // coordinates element alternate between x, y and z, and a start tag whose name is among its
    // depth's slots costs no allocation and no reference store. The open elements and the current
    // one are slot numbers.
    private const int SlotsPerDepth = 8;
    private byte[][] _slotNames = new byte[8 * SlotsPerDepth][];
    private byte[][] _slotLocalNames = new byte[8 * SlotsPerDepth][];
    private string?[] _slotStrings = new string?[8 * SlotsPerDepth];
    private int[] _slotNext = new int[8];
    private int[] _open = new int[8];
    private int _current = -1;
    private bool _isEmpty;
    private int _depth = -1;

    private Utf8XmlScanner(Stream stream, MeshReadLimits limits)
    {
        _stream = stream;
        _maxDepth = limits.MaxDepth;
        _maxBytes = limits.MaxCharactersInDocument;
    }

    /// <summary>The line of the element the reader is on (or of the last markup it consumed).</summary>
    public int Line { get; private set; } = 1;

    /// <summary>Local name (after any prefix) of the current element.</summary>
    public string LocalName => _current < 0 ? string.Empty : _slotStrings[_current] ??= Encoding.UTF8.GetString(_slotLocalNames[_current]);

    /// <summary>Opens <paramref name="stream"/>, transcoding to UTF-8 when the document says it is in another encoding.</summary>
    public static Utf8XmlScanner Create(Stream stream, MeshReadLimits limits)
    {
        var scanner = new Utf8XmlScanner(stream, limits);
        scanner.Fill();
        var head = scanner._buffer.AsSpan(scanner._pos, scanner._end - scanner._pos);
        var encoding = DetectEncoding(head, out var bom);
        if (encoding is null)
        {
            scanner._pos += bom;
            return scanner;
        }

        // Replay what was read, then transcode the rest; the declaration keeps its (now stale) label.
        var replay = new MemoryStream(scanner._buffer, scanner._pos + bom, scanner._end - scanner._pos - bom, writable: false);
        var transcoded = Encoding.CreateTranscodingStream(new ConcatStream(replay, stream), encoding, Encoding.UTF8, leaveOpen: true);
        var utf8 = new Utf8XmlScanner(transcoded, limits);
        utf8.Fill();
        return utf8;
    }

    public MeshFormatException Error(string message) => new(message, -1, Line);

    /// <summary>Moves past the prolog to the root element and returns its local name.</summary>
    public string Root()
    {
        SkipMisc(prolog: true);
        if (!TryPeek(out var b) || b != '<')
        {
            throw Error("No root element.");
        }

        ReadStartTag();
        return LocalName;
    }

    /// <summary>True when the current element's local name is <paramref name="name"/> (ASCII).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Is(ReadOnlySpan<byte> name) => _current >= 0 && _slotLocalNames[_current].AsSpan().SequenceEqual(name);

    /// <summary>The value of attribute <paramref name="name"/> of the current element, entities decoded.</summary>
    public string? Attribute(string name)
    {
        foreach (var (start, length) in _attributes)
        {
            var attribute = _tag.AsSpan(start, length);
            var eq = attribute.IndexOf((byte)'=');
            if (Encoding.UTF8.GetString(attribute[..eq].TrimEnd(" \t\r\n"u8)) == name)
            {
                var value = attribute[(eq + 1)..].Trim(" \t\r\n"u8);
                return Decode(value[1..^1], attribute: true);
            }
        }

        return null;
    }

    /// <summary>
    /// With the reader on a start element, moves to its next child element and returns true, or
    /// consumes the element's end tag and returns false. Each child must be consumed entirely
    /// (<see cref="NextChild"/> until false, <see cref="Text"/>, a number, or <see cref="Skip"/>) before the next call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool NextChild(int parentDepth)
    {
        if (_depth == parentDepth)
        {
            if (_depth >= _maxDepth)
            {
                throw Error("XML nested deeper than " + _maxDepth.ToString(CultureInfo.InvariantCulture) + " elements.");
            }

            if (_isEmpty)
            {
                CloseEmpty();
                return false;
            }
        }

        if (TryPlainTag(out var child))
        {
            return child;
        }

        SkipTextAndMisc();
        if (!TryPeek(out _))
        {
            throw Error("Unexpected end of XML.");
        }

        if (PeekIs("</"u8))
        {
            ReadEndTag();
            return false;
        }

        ReadStartTag();
        return true;
    }

    /// <summary>The depth of the current element (the root is 0), to pass to <see cref="NextChild"/>.</summary>
    public int Depth => _depth;

    /// <summary>Skips the current element and everything in it, within the depth bound.</summary>
    public void Skip()
    {
        var depth = _depth;
        while (NextChild(depth))
        {
            Skip();
        }
    }

    /// <summary>The text content of the current element (which must have no child elements), entities decoded.</summary>
    public string Text()
    {
        var (start, length, plain) = Content();
        var text = plain ? Encoding.UTF8.GetString(ContentBytes(start, length)) : Decode(ContentBytes(start, length), attribute: false);
        ConsumeContent(start, length);
        return text;
    }

    /// <summary>The content as a number, parsed as double and rounded to float, as <see cref="XmlMeshReader.Number"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float Number(string what)
    {
        if (TryPlainNumber(out var fast))
        {
            return fast;
        }

        var (start, length, plain) = Content();
        var line = Line;
        double value;
        if (plain)
        {
            var bytes = ContentBytes(start, length);
            if (!FastDecimal.TryParse(bytes, out value) && !double.TryParse(bytes, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            {
                throw new MeshFormatException("Not a number in " + what + ": '" + Encoding.UTF8.GetString(bytes) + "'.", -1, line);
            }
        }
        else
        {
            var text = Decode(ContentBytes(start, length), attribute: false);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            {
                throw new MeshFormatException("Not a number in " + what + ": '" + text + "'.", -1, line);
            }
        }

        ConsumeContent(start, length);
        var single = (float)value;
        if (!float.IsFinite(single))
        {
            throw new MeshFormatException("Number in " + what + " is NaN or infinite.", -1, line);
        }

        return single;
    }

    /// <summary>The content as a non-negative index (digits only, as NumberStyles.None has it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Index(string what)
    {
        if (TryPlainIndex(out var fast))
        {
            return fast;
        }

        var (start, length, plain) = Content();
        var line = Line;
        var bytes = ContentBytes(start, length);
        long value = 0;
        var ok = plain && length is > 0 and <= 9;
        for (var i = 0; ok && i < bytes.Length; i++)
        {
            var digit = bytes[i] - (byte)'0';
            ok = (uint)digit <= 9;
            value = (value * 10) + digit;
        }

        if (!ok)
        {
            // Longer (leading zeros), or with references: as int.Parse with NumberStyles.None has it.
            var text = plain ? Encoding.UTF8.GetString(bytes) : Decode(bytes, attribute: false);
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                throw new MeshFormatException("Not a vertex index in " + what + ": '" + text + "'.", -1, line);
            }

            value = parsed;
        }

        ConsumeContent(start, length);
        return (int)value;
    }

    // ----------------------------------------------------------------------------------------------
    // Plain forms
    //
    // Almost every element of a mesh file is a plain start tag, a number and a plain end tag, with
    // white space between them: `<x>1.25</x>`. These paths take exactly that form in one pass over
    // bytes already in the buffer and change nothing when the input is in any other form (attributes,
    // references, comments, a tag across the end of the buffer, a number the exact path cannot take):
    // the general path after them then reads it as before, so both give the same result.

    /// <summary>
    /// White space, then a plain start tag (<c>&lt;name&gt;</c> or <c>&lt;name/&gt;</c>) or the end
    /// tag of the current element (<c>&lt;/name&gt;</c>): read, true, and <paramref name="child"/>
    /// as <see cref="NextChild"/> returns. False when the input holds something else (the white
    /// space is consumed: the general path skips it too).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryPlainTag(out bool child)
    {
        child = false;
        var buffer = _buffer;
        var end = _end;
        var p = _pos;
        var lines = 0;
        while (p < end)
        {
            var b = buffer[p];
            if (b == '\n')
            {
                lines++;
            }
            else if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
            {
                break;
            }

            p++;
        }

        _pos = p;
        _lineAtPos += lines;
        if (end - p < 4 || buffer[p] != '<')
        {
            return false;
        }

        var c = buffer[p + 1];
        if (c == '/')
        {
            var close = PlainEndTag(p);
            if (close < 0)
            {
                return false;
            }

            Line = _lineAtPos;
            _pos = close + 1;
            _depth--;
            if (_depth < 0)
            {
                AfterRoot();
            }

            return true;
        }

        if (!IsAsciiLetter(c) && c != '_')
        {
            return false;
        }

        var q = p + 2;
        while (q < end && IsPlainNameChar(buffer[q]))
        {
            q++;
        }

        if (end - q < 2)
        {
            return false;
        }

        var empty = buffer[q] == '/';
        if (buffer[q + (empty ? 1 : 0)] != '>')
        {
            return false;
        }

        Line = _lineAtPos;
        SetName(buffer.AsSpan(p + 1, q - p - 1));
        _isEmpty = empty;
        _attributes.Clear();
        _depth++;
        _pos = q + (empty ? 2 : 1);
        child = true;
        return true;
    }

    /// <summary>The offset of the '&gt;' when the current element's end tag, with no white space, starts at <paramref name="p"/>; else -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int PlainEndTag(int p)
    {
        if (_depth < 0)
        {
            return -1;
        }

        var name = _slotNames[_open[_depth]];
        var close = p + 2 + name.Length;
        var buffer = _buffer;
        if (close >= _end || buffer[p] != '<' || buffer[p + 1] != '/' || buffer[close] != '>')
        {
            return -1;
        }

        for (var i = 0; i < name.Length; i++)
        {
            if (buffer[p + 2 + i] != name[i])
            {
                return -1;
            }
        }

        return close;
    }

    /// <summary>
    /// The current element as a plain decimal (optional '-', digits with at most one '.', up to 15
    /// significant digits, no exponent: <see cref="FastDecimal"/>'s exact range) directly followed
    /// by its end tag: read, and true. The element stays unread otherwise.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryPlainNumber(out float value)
    {
        value = 0;
        if (_isEmpty || _depth >= _maxDepth)
        {
            return false;
        }

        var buffer = _buffer;
        var end = _end;
        var p = _pos;
        var negative = p < end && buffer[p] == '-';
        if (negative)
        {
            p++;
        }

        long mantissa = 0;
        int significant = 0, digits = 0, fraction = 0;
        var sawPoint = false;
        while (p < end)
        {
            var b = buffer[p];
            var d = b - (byte)'0';
            if ((uint)d <= 9)
            {
                if ((significant > 0 || d != 0) && ++significant > 15)
                {
                    return false;
                }

                mantissa = (mantissa * 10) + d;
                digits++;
                if (sawPoint)
                {
                    fraction++;
                }
            }
            else if (b == '.' && !sawPoint)
            {
                sawPoint = true;
            }
            else
            {
                break;
            }

            p++;
        }

        if (digits == 0 || fraction > 22)
        {
            return false;
        }

        var close = PlainEndTag(p);
        if (close < 0)
        {
            return false;
        }

        var number = fraction > 0 ? mantissa / FastDecimal.PowerOfTen(fraction) : mantissa;
        value = (float)(negative ? -number : number);
        ClosePlain(close);
        return true;
    }

    /// <summary>The current element as 1 to 9 digits directly followed by its end tag: read, and true. The element stays unread otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryPlainIndex(out int value)
    {
        value = 0;
        if (_isEmpty || _depth >= _maxDepth)
        {
            return false;
        }

        var buffer = _buffer;
        var end = _end;
        var start = _pos;
        var p = start;
        while (p < end && p - start <= 9)
        {
            var d = buffer[p] - (byte)'0';
            if ((uint)d > 9)
            {
                break;
            }

            value = (value * 10) + d;
            p++;
        }

        if (p - start is 0 or > 9)
        {
            value = 0;
            return false;
        }

        var close = PlainEndTag(p);
        if (close < 0)
        {
            value = 0;
            return false;
        }

        ClosePlain(close);
        return true;
    }

    /// <summary>Consumes up to the end tag whose '&gt;' is at <paramref name="close"/>, with no line break before it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ClosePlain(int close)
    {
        Line = _lineAtPos;
        _pos = close + 1;
        _depth--;
        if (_depth < 0)
        {
            AfterRoot();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsAsciiLetter(byte b) => (uint)((b | 0x20) - 'a') <= 'z' - 'a';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsPlainNameChar(byte b) => IsAsciiLetter(b) || (uint)(b - '0') <= 9 || b is (byte)'_' or (byte)'-' or (byte)'.' or (byte)':';

    private void CloseEmpty()
    {
        _isEmpty = false;
        _depth--;
        if (_depth < 0)
        {
            AfterRoot();
        }
    }

    /// <summary>The root is closed: only comments, PIs and white space may follow.</summary>
    private void AfterRoot()
    {
        SkipMisc(prolog: false);
        if (TryPeek(out _))
        {
            throw Error("Malformed XML: content after the root element.");
        }
    }

    private ReadOnlySpan<byte> ContentBytes(int start, int length) => start < 0 ? _gathered.AsSpan(0, length) : _buffer.AsSpan(start, length);

    // ----------------------------------------------------------------------------------------------
    // Buffer

    /// <summary>Reads more input, keeping what is not consumed yet; false at the end of the input.</summary>
    private bool Fill()
    {
        if (_eof)
        {
            return false;
        }

        if (_pos > 0)
        {
            Buffer.BlockCopy(_buffer, _pos, _buffer, 0, _end - _pos);
            _consumed += _pos;
            _end -= _pos;
            _pos = 0;
        }

        if (_end == _buffer.Length)
        {
            // One token larger than the buffer (a long text): grow, within the document limit.
            Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, Array.MaxLength));
        }

        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read <= 0)
        {
            _eof = true;
            return false;
        }

        _end += read;
        if (_consumed + _end > _maxBytes)
        {
            throw Error(FormattableString.Invariant($"XML document is larger than {_maxBytes} characters."));
        }

        return true;
    }

    /// <summary>Bytes from the read position (offset <paramref name="relative"/> on), reading more when fewer than <paramref name="count"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Have(int relative, int count)
    {
        while (_end - _pos - relative < count)
        {
            if (!Fill())
            {
                return false;
            }
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryPeek(out byte b)
    {
        if (!Have(0, 1))
        {
            b = 0;
            return false;
        }

        b = _buffer[_pos];
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool PeekIs(ReadOnlySpan<byte> text) => Have(0, text.Length) && _buffer.AsSpan(_pos, text.Length).SequenceEqual(text);

    /// <summary>Offset (relative to the read position) of <paramref name="needle"/> at or after <paramref name="relative"/>, or -1 at the end of input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Find(ReadOnlySpan<byte> needle, int relative)
    {
        while (true)
        {
            var index = _buffer.AsSpan(_pos + relative, _end - _pos - relative).IndexOf(needle);
            if (index >= 0)
            {
                return relative + index;
            }

            relative = Math.Max(relative, _end - _pos - needle.Length + 1);
            if (!Fill())
            {
                return -1;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Consume(int count)
    {
        _lineAtPos += _buffer.AsSpan(_pos, count).Count((byte)'\n');
        _pos += count;
    }

    // ----------------------------------------------------------------------------------------------
    // Markup

    private void SkipMisc(bool prolog)
    {
        var first = prolog;
        while (true)
        {
            SkipWhitespace();
            if (PeekIs("<?"u8))
            {
                var close = Find("?>"u8, 2);
                if (close < 0)
                {
                    throw Error("Unterminated processing instruction.");
                }

                if (!first && PeekIs("<?xml"u8) && Have(0, 6) && IsWhitespace(_buffer[_pos + 5]))
                {
                    throw Error("XML declaration not at the start of the document.");
                }

                Consume(close + 2);
            }
            else if (PeekIs("<!--"u8))
            {
                SkipComment();
            }
            else if (PeekIs("<!"u8))
            {
                // <!DOCTYPE: entities could be declared (XXE, billion laughs); nothing here needs a DTD.
                Line = _lineAtPos;
                throw Error("Malformed or refused XML: a document type declaration (DTD) is prohibited.");
            }
            else
            {
                return;
            }

            first = false;
        }
    }

    private void SkipComment()
    {
        var close = Find("-->"u8, 4);
        if (close < 0)
        {
            throw Error("Unterminated comment.");
        }

        Consume(close + 3);
    }

    private void SkipWhitespace()
    {
        while (true)
        {
            var span = _buffer.AsSpan(_pos, _end - _pos);
            var n = span.IndexOfAnyExcept(" \t\r\n"u8);
            if (n >= 0)
            {
                Consume(n);
                return;
            }

            Consume(span.Length);
            if (!Fill())
            {
                return;
            }
        }
    }

    /// <summary>Skips text, comments, PIs and CDATA between elements (mixed content is ignored as XmlReader's callers ignored it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SkipTextAndMisc()
    {
        while (true)
        {
            var lt = Find("<"u8, 0);
            if (lt < 0)
            {
                Consume(_end - _pos);
                return;
            }

            Consume(lt);
            if (Have(0, 2) && _buffer[_pos + 1] is not ((byte)'!' or (byte)'?'))
            {
                // An element's start or end tag: the common case, decided by one byte.
                return;
            }

            if (PeekIs("<!--"u8))
            {
                SkipComment();
            }
            else if (PeekIs("<![CDATA["u8))
            {
                var close = Find("]]>"u8, 9);
                if (close < 0)
                {
                    throw Error("Unterminated CDATA section.");
                }

                Consume(close + 3);
            }
            else if (PeekIs("<?"u8))
            {
                var close = Find("?>"u8, 2);
                if (close < 0)
                {
                    throw Error("Unterminated processing instruction.");
                }

                Consume(close + 2);
            }
            else if (PeekIs("<!"u8))
            {
                Line = _lineAtPos;
                throw Error("Malformed or refused XML: a document type declaration (DTD) is prohibited.");
            }
            else
            {
                return;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadStartTag()
    {
        Line = _lineAtPos;
        var close = FindTagEnd();
        var tag = _buffer.AsSpan(_pos + 1, close - 1);
        var nameEnd = tag.IndexOfAny(NameEnd);
        if (nameEnd < 0)
        {
            nameEnd = tag.Length;
        }

        var name = tag[..nameEnd];
        if (name.IsEmpty || !IsNameStart(name[0]))
        {
            throw Error("Malformed XML: '<' not followed by an element name.");
        }

        SetName(name);
        _isEmpty = tag.Length > 0 && tag[^1] == '/';
        _attributes.Clear();
        var attributes = tag[nameEnd..(tag.Length - (_isEmpty ? 1 : 0))];
        if (!attributes.TrimStart(" \t\r\n"u8).IsEmpty)
        {
            // Kept apart from the buffer, which the next read may move.
            if (_tag.Length < attributes.Length)
            {
                _tag = new byte[attributes.Length * 2];
            }

            attributes.CopyTo(_tag);
            ParseAttributes(attributes.Length);
        }

        _depth++;
        Consume(close + 1);
    }

    /// <summary>Offset of the '&gt;' ending the tag at the read position, skipping quoted attribute values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int FindTagEnd()
    {
        var i = 1;
        byte quote = 0;
        while (true)
        {
            var span = _buffer.AsSpan(_pos + i, _end - _pos - i);
            var k = quote == 0 ? span.IndexOfAny(TagSpecials) : span.IndexOfAny(quote, (byte)'<');
            if (k < 0)
            {
                i = _end - _pos;
                if (!Fill())
                {
                    throw Error("Unexpected end of XML inside a tag.");
                }

                continue;
            }

            i += k;
            var b = _buffer[_pos + i];
            if (b == '<')
            {
                throw Error(quote == 0 ? "Malformed XML: '<' inside a tag." : "Malformed XML: '<' in an attribute value.");
            }

            if (quote != 0)
            {
                quote = 0;
            }
            else if (b == '>')
            {
                return i;
            }
            else
            {
                quote = b;
            }

            i++;
        }
    }

    private void ParseAttributes(int length)
    {
        const int start = 0;
        var i = start;
        var end = length;
        while (true)
        {
            while (i < end && IsWhitespace(_tag[i]))
            {
                i++;
            }

            if (i >= end)
            {
                return;
            }

            if (i > start && !IsWhitespace(_tag[i - 1]))
            {
                throw Error("Malformed XML: attributes must be separated by white space.");
            }

            var attributeStart = i;
            while (i < end && _tag[i] != '=' && !IsWhitespace(_tag[i]))
            {
                i++;
            }

            if (i == attributeStart || !IsNameStart(_tag[attributeStart]))
            {
                throw Error("Malformed XML: bad attribute name.");
            }

            var nameLength = i - attributeStart;
            while (i < end && IsWhitespace(_tag[i]))
            {
                i++;
            }

            if (i >= end || _tag[i] != '=')
            {
                throw Error("Malformed XML: attribute without '=' and value.");
            }

            i++;
            while (i < end && IsWhitespace(_tag[i]))
            {
                i++;
            }

            if (i >= end || _tag[i] is not ((byte)'"' or (byte)'\''))
            {
                throw Error("Malformed XML: attribute value must be quoted.");
            }

            var quote = _tag[i];
            var valueEnd = _tag.AsSpan(i + 1, end - i - 1).IndexOf(quote);
            if (valueEnd < 0)
            {
                throw Error("Malformed XML: unterminated attribute value.");
            }

            i += valueEnd + 2;
            var name = _tag.AsSpan(attributeStart, nameLength);
            foreach (var (s, l) in _attributes)
            {
                var other = _tag.AsSpan(s, l);
                if (other.StartsWith(name) && other[nameLength..].TrimStart(" \t\r\n"u8).StartsWith("="u8))
                {
                    throw Error("Malformed XML: duplicate attribute '" + Encoding.UTF8.GetString(name) + "'.");
                }
            }

            _attributes.Add((attributeStart, i - attributeStart));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReadEndTag()
    {
        Line = _lineAtPos;
        var close = Find(">"u8, 2);
        if (close < 0)
        {
            throw Error("Unexpected end of XML inside an end tag.");
        }

        var name = _buffer.AsSpan(_pos + 2, close - 2).TrimEnd(" \t\r\n"u8);
        var open = _slotNames[_open[_depth]];
        if (!name.SequenceEqual(open))
        {
            throw Error("Malformed XML: end tag '" + Encoding.UTF8.GetString(name) + "' does not match '" + Encoding.UTF8.GetString(open) + "'.");
        }

        _depth--;
        Consume(close + 1);
        if (_depth < 0)
        {
            AfterRoot();
        }
    }

    /// <summary>Makes <paramref name="name"/> the current element's, open one level below the current depth.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SetName(ReadOnlySpan<byte> name)
    {
        var depth = _depth + 1;
        if (depth == _open.Length)
        {
            Array.Resize(ref _open, depth * 2);
            Array.Resize(ref _slotNext, depth * 2);
            Array.Resize(ref _slotNames, depth * 2 * SlotsPerDepth);
            Array.Resize(ref _slotLocalNames, depth * 2 * SlotsPerDepth);
            Array.Resize(ref _slotStrings, depth * 2 * SlotsPerDepth);
        }

        var first = depth * SlotsPerDepth;
        for (var slot = first; slot < first + SlotsPerDepth; slot++)
        {
            var known = _slotNames[slot];
            if (known is null)
            {
                break;
            }

            // Length and first byte first: siblings like x, y and z differ there, without a call.
            if (known.Length == name.Length && known[0] == name[0] && known.AsSpan().SequenceEqual(name))
            {
                _open[depth] = slot;
                _current = slot;
                return;
            }
        }

        // Not among the slots: take the next one in turn (no element at this depth is open now).
        var next = first + _slotNext[depth];
        _slotNext[depth] = (_slotNext[depth] + 1) % SlotsPerDepth;
        var copy = name.ToArray();
        var colon = name.IndexOf((byte)':');
        _slotNames[next] = copy;
        _slotLocalNames[next] = colon >= 0 ? name[(colon + 1)..].ToArray() : copy;
        _slotStrings[next] = null;
        _open[depth] = next;
        _current = next;
    }

    /// <summary>
    /// The current element's content (no child elements allowed) as offset and length in the buffer;
    /// plain when it has no entity, character reference, comment or CDATA that needs decoding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private (int Start, int Length, bool Plain) Content()
    {
        if (_depth >= _maxDepth)
        {
            throw Error("XML nested deeper than " + _maxDepth.ToString(CultureInfo.InvariantCulture) + " elements.");
        }

        if (_isEmpty)
        {
            return (_pos, 0, true);
        }

        var lt = Find("<"u8, 0);
        if (lt < 0)
        {
            throw Error("Unexpected end of XML.");
        }

        if (Have(lt, 2) && _buffer[_pos + lt + 1] == '/')
        {
            var plain = _buffer.AsSpan(_pos, lt).IndexOf((byte)'&') < 0;
            return (_pos, lt, plain);
        }

        // Comments or CDATA inside the text, or a child element: the slow path gathers it.
        return GatherContent();
    }

    private (int Start, int Length, bool Plain) GatherContent()
    {
        var text = new List<byte>();
        var relative = 0;
        while (true)
        {
            var lt = Find("<"u8, relative);
            if (lt < 0)
            {
                throw Error("Unexpected end of XML.");
            }

            text.AddRange(_buffer.AsSpan(_pos + relative, lt - relative));
            relative = lt;
            if (Have(lt, 2) && _buffer[_pos + lt + 1] == '/')
            {
                break;
            }

            if (Have(lt, 4) && _buffer.AsSpan(_pos + lt, 4).SequenceEqual("<!--"u8))
            {
                var close = Find("-->"u8, lt + 4);
                if (close < 0)
                {
                    throw Error("Unterminated comment.");
                }

                relative = close + 3;
            }
            else if (Have(lt, 9) && _buffer.AsSpan(_pos + lt, 9).SequenceEqual("<![CDATA["u8))
            {
                var close = Find("]]>"u8, lt + 9);
                if (close < 0)
                {
                    throw Error("Unterminated CDATA section.");
                }

                // CDATA is literal: escape its '&' so that decoding leaves it as it was.
                foreach (var b in _buffer.AsSpan(_pos + lt + 9, close - lt - 9))
                {
                    if (b == '&')
                    {
                        text.AddRange("&amp;"u8);
                    }
                    else
                    {
                        text.Add(b);
                    }
                }

                relative = close + 3;
            }
            else if (Have(lt, 2) && _buffer[_pos + lt + 1] == '?')
            {
                var close = Find("?>"u8, lt + 2);
                if (close < 0)
                {
                    throw Error("Unterminated processing instruction.");
                }

                relative = close + 2;
            }
            else
            {
                Line = _lineAtPos;
                throw Error("Malformed AMF: element '" + LocalName + "' must hold text only.");
            }
        }

        // Consume everything up to the end tag, then hand out the gathered text from a side buffer.
        Consume(relative);
        _gathered = [.. text];
        return (-1, _gathered.Length, false);
    }

    /// <summary>Consumes the content returned by <see cref="Content"/> and the end tag after it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ConsumeContent(int start, int length)
    {
        if (_isEmpty)
        {
            CloseEmpty();
            return;
        }

        if (start >= 0)
        {
            Consume(length);
        }

        ReadEndTag();
    }

    private string Decode(ReadOnlySpan<byte> raw, bool attribute)
    {
        var text = new StringBuilder(raw.Length);
        var i = 0;
        while (i < raw.Length)
        {
            var amp = raw[i..].IndexOf((byte)'&');
            var chunk = amp < 0 ? raw[i..] : raw.Slice(i, amp);
            if (!System.Text.Unicode.Utf8.IsValid(chunk))
            {
                throw Error("Malformed XML: invalid UTF-8.");
            }

            var decoded = Encoding.UTF8.GetString(chunk);
            text.Append(attribute ? NormalizeAttributeWhitespace(decoded) : decoded);
            if (amp < 0)
            {
                break;
            }

            i += amp;
            var semicolon = raw[i..].IndexOf((byte)';');
            if (semicolon < 0)
            {
                throw Error("Malformed XML: '&' without ';'.");
            }

            var entity = Encoding.ASCII.GetString(raw.Slice(i + 1, semicolon - 1));
            text.Append(entity switch
            {
                "lt" => "<",
                "gt" => ">",
                "amp" => "&",
                "quot" => "\"",
                "apos" => "'",
                _ when entity.StartsWith("#x", StringComparison.Ordinal) && int.TryParse(entity.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) && IsXmlChar(hex) => char.ConvertFromUtf32(hex),
                _ when entity.StartsWith('#') && int.TryParse(entity.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var dec) && IsXmlChar(dec) => char.ConvertFromUtf32(dec),
                _ => throw Error("Malformed or refused XML: reference to undeclared entity '" + entity + "'."),
            });
            i += semicolon + 1;
        }

        return text.ToString();
    }

    private static string NormalizeAttributeWhitespace(string value) =>
        value.IndexOfAny(['\t', '\r', '\n']) < 0 ? value : value.Replace("\r\n", " ", StringComparison.Ordinal).Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');

    private static bool IsXmlChar(int c) => c is 0x9 or 0xA or 0xD or (>= 0x20 and <= 0xD7FF) or (>= 0xE000 and <= 0xFFFD) or (>= 0x10000 and <= 0x10FFFF);

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private static bool IsNameStart(byte b) => b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (byte)'_' or (byte)':' or >= 0x80;

    /// <summary>Null for UTF-8 (with <paramref name="bom"/> bytes of byte order mark to skip); otherwise the encoding to transcode from.</summary>
    private static Encoding? DetectEncoding(ReadOnlySpan<byte> head, out int bom)
    {
        bom = 0;
        if (head.StartsWith("\xEF\xBB\xBF"u8))
        {
            bom = 3;
            return null;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            bom = 2;
            return Encoding.Unicode;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            bom = 2;
            return Encoding.BigEndianUnicode;
        }

        if (!head.StartsWith("<?xml"u8))
        {
            return null;
        }

        var close = head.IndexOf("?>"u8);
        var declaration = Encoding.ASCII.GetString(close > 0 ? head[..close] : head[..Math.Min(head.Length, 200)]);
        var at = declaration.IndexOf("encoding", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var rest = declaration[(at + 8)..].TrimStart(' ', '=', '\t', '\r', '\n');
        if (rest.Length < 2)
        {
            return null;
        }

        var end = rest.IndexOf(rest[0], 1);
        var label = end > 0 ? rest[1..end] : string.Empty;
        if (label.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || label.Equals("us-ascii", StringComparison.OrdinalIgnoreCase) || label.Length == 0)
        {
            return null;
        }

        try
        {
            return Encoding.GetEncoding(label);
        }
        catch (ArgumentException)
        {
            throw new MeshFormatException("Unsupported XML encoding '" + label + "'.", -1, 1);
        }
    }

    /// <summary>
    /// Decimal numbers of at most 15 significant digits without exponent: the digits as an exact
    /// integer divided by an exact power of ten is the correctly rounded double (Clinger's fast
    /// path), so the result is the one double.Parse gives. Anything else falls back to double.Parse.
    /// </summary>
    private static class FastDecimal
    {
        private static readonly double[] PowersOfTen = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

        /// <summary>10 to the power <paramref name="exponent"/> (0 to 22), exactly.</summary>
        public static double PowerOfTen(int exponent) => PowersOfTen[exponent];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool TryParse(ReadOnlySpan<byte> s, out double value)
        {
            value = 0;
            var i = s.Length > 0 && s[0] == '-' ? 1 : 0;
            var negative = i == 1;
            long mantissa = 0;
            int significant = 0, integerDigits = 0, fraction = 0;
            var sawPoint = false;
            for (; i < s.Length; i++)
            {
                var b = s[i];
                if (b == '.' && !sawPoint)
                {
                    sawPoint = true;
                    continue;
                }

                var d = b - (byte)'0';
                if ((uint)d > 9)
                {
                    return false;
                }

                if ((significant > 0 || d != 0) && ++significant > 15)
                {
                    return false;
                }

                mantissa = (mantissa * 10) + d;
                if (sawPoint)
                {
                    fraction++;
                }
                else
                {
                    integerDigits++;
                }
            }

            // "-", "." and "-." are no numbers; more than 22 fraction digits leave the exact range.
            if (integerDigits + fraction == 0 || fraction > 22)
            {
                return false;
            }

            value = fraction > 0 ? mantissa / PowersOfTen[fraction] : mantissa;
            if (negative)
            {
                value = -value;
            }

            return true;
        }
    }
}
