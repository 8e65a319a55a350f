namespace Trabecula.Mesh;

/// <summary>
/// Bounds on what the XML and zip readers (AMF, 3MF) accept, so that hostile input costs bounded
/// memory and time. Exceeding one raises <see cref="MeshFormatException"/>.
/// </summary>
public sealed record MeshReadLimits
{
    /// <summary>The defaults: generous for real models, finite for hostile ones.</summary>
    public static MeshReadLimits Default { get; } = new();

    /// <summary>Characters of one XML document (after inflating), 1 Gi by default.</summary>
    public long MaxCharactersInDocument { get; init; } = 1L << 30;

    /// <summary>Element nesting depth of an XML document.</summary>
    public int MaxDepth { get; init; } = 32;

    /// <summary>Entries of a zip container (compressed AMF, 3MF package).</summary>
    public int MaxZipEntries { get; init; } = 1024;

    /// <summary>Inflated bytes read from one zip entry, counted as read (declared sizes are not trusted).</summary>
    public long MaxInflatedBytes { get; init; } = 2L << 30;

    /// <summary>
    /// Triangles a 3MF build may expand to once components are instantiated (a few small objects
    /// can reference each other into an exponential number of copies).
    /// </summary>
    public long MaxTriangles { get; init; } = 100_000_000;
}
