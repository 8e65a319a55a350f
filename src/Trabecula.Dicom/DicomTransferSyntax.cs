namespace Trabecula.Dicom;

/// <summary>
/// A transfer syntax (PS3.5 section 10 and annex A): how a data set is encoded after the file meta
/// information. Unknown UIDs are treated as Explicit VR Little Endian with encapsulated pixel data,
/// which is what every transfer syntax added since 2000 has used.
/// </summary>
public sealed class DicomTransferSyntax
{
    private DicomTransferSyntax(string uid, string name, bool explicitVr, bool bigEndian, bool deflated, bool encapsulated)
    {
        Uid = uid;
        Name = name;
        IsExplicitVR = explicitVr;
        IsBigEndian = bigEndian;
        IsDeflated = deflated;
        IsEncapsulated = encapsulated;
    }

    /// <summary>Implicit VR Little Endian, the default DICOM transfer syntax.</summary>
    public static DicomTransferSyntax ImplicitVRLittleEndian { get; } = new("1.2.840.10008.1.2", "Implicit VR Little Endian", false, false, false, false);

    /// <summary>Explicit VR Little Endian.</summary>
    public static DicomTransferSyntax ExplicitVRLittleEndian { get; } = new("1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, false, false, false);

    /// <summary>Deflated Explicit VR Little Endian.</summary>
    public static DicomTransferSyntax DeflatedExplicitVRLittleEndian { get; } = new("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, false, true, false);

    /// <summary>Explicit VR Big Endian (retired, still met in old archives).</summary>
    public static DicomTransferSyntax ExplicitVRBigEndian { get; } = new("1.2.840.10008.1.2.2", "Explicit VR Big Endian", true, true, false, false);

    /// <summary>RLE Lossless.</summary>
    public static DicomTransferSyntax RLELossless { get; } = new("1.2.840.10008.1.2.5", "RLE Lossless", true, false, false, true);

    /// <summary>JPEG Baseline (Process 1).</summary>
    public static DicomTransferSyntax JPEGBaseline8Bit { get; } = new("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", true, false, false, true);

    /// <summary>JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, SV1).</summary>
    public static DicomTransferSyntax JPEGLosslessSV1 { get; } = new("1.2.840.10008.1.2.4.70", "JPEG Lossless SV1", true, false, false, true);

    // Initialised after the properties above: static initialisers run in text order.
    private static readonly Dictionary<string, DicomTransferSyntax> Known = BuildKnown();

    /// <summary>The UID.</summary>
    public string Uid { get; }

    /// <summary>The name from PS3.6 table A-1, or the UID when unknown.</summary>
    public string Name { get; }

    /// <summary>True when each element header carries its VR.</summary>
    public bool IsExplicitVR { get; }

    /// <summary>True for big-endian byte order.</summary>
    public bool IsBigEndian { get; }

    /// <summary>True when the data set after the meta information is deflated (RFC 1951).</summary>
    public bool IsDeflated { get; }

    /// <summary>True when pixel data is encapsulated in fragments (compressed).</summary>
    public bool IsEncapsulated { get; }

    /// <summary>True when the UID is not one this library knows.</summary>
    public bool IsUnknown { get; private init; }

    /// <summary>The known transfer syntax for <paramref name="uid"/>, or an encapsulated Explicit VR LE one.</summary>
    public static DicomTransferSyntax Lookup(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        var trimmed = uid.TrimEnd('\0', ' ');
        return Known.TryGetValue(trimmed, out var known)
            ? known
            : new DicomTransferSyntax(trimmed, trimmed, true, false, false, true) { IsUnknown = true };
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DicomTransferSyntax other && other.Uid == Uid;

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Uid);

    private static Dictionary<string, DicomTransferSyntax> BuildKnown()
    {
        // Native encodings first, then the encapsulated ones of PS3.6 table A-1 (names shortened).
        DicomTransferSyntax[] all =
        [
            ImplicitVRLittleEndian, ExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian,
            RLELossless, JPEGBaseline8Bit, JPEGLosslessSV1,
            Encapsulated("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 and 4)"),
            Encapsulated("1.2.840.10008.1.2.4.57", "JPEG Lossless (Process 14)"),
            Encapsulated("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless"),
            Encapsulated("1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless"),
            Encapsulated("1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless"),
            Encapsulated("1.2.840.10008.1.2.4.91", "JPEG 2000"),
            Encapsulated("1.2.840.10008.1.2.4.92", "JPEG 2000 Multi-component Lossless"),
            Encapsulated("1.2.840.10008.1.2.4.93", "JPEG 2000 Multi-component"),
            new("1.2.840.10008.1.2.4.94", "JPIP Referenced", true, false, false, false),
            new("1.2.840.10008.1.2.4.95", "JPIP Referenced Deflate", true, false, true, false),
            Encapsulated("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level"),
            Encapsulated("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level"),
            Encapsulated("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile"),
            Encapsulated("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible"),
            Encapsulated("1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile 2D video"),
            Encapsulated("1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile 3D video"),
            Encapsulated("1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile"),
            Encapsulated("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile"),
            Encapsulated("1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile"),
            Encapsulated("1.2.840.10008.1.2.4.110", "JPEG XL Lossless"),
            Encapsulated("1.2.840.10008.1.2.4.111", "JPEG XL JPEG Recompression"),
            Encapsulated("1.2.840.10008.1.2.4.112", "JPEG XL"),
            Encapsulated("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Lossless"),
            Encapsulated("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 RPCL Lossless"),
            Encapsulated("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000"),
            Encapsulated("1.2.840.10008.1.2.8.1", "Deflated Image Frame Compression"),
        ];
        return all.ToDictionary(ts => ts.Uid, StringComparer.Ordinal);
    }

    private static DicomTransferSyntax Encapsulated(string uid, string name) => new(uid, name, true, false, false, true);
}
