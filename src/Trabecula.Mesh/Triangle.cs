using System.Numerics;

namespace Trabecula.Mesh;

/// <summary>One triangle with corners in counter-clockwise order seen from outside.</summary>
/// <param name="A">First corner.</param>
/// <param name="B">Second corner.</param>
/// <param name="C">Third corner.</param>
public readonly record struct Triangle(Vector3 A, Vector3 B, Vector3 C)
{
    /// <summary>The unit normal by the right-hand rule, or zero for a degenerate triangle.</summary>
    public Vector3 ComputeNormal()
    {
        var n = Vector3.Cross(B - A, C - A);
        var length = n.Length();
        return length > 0 && float.IsFinite(length) ? n / length : Vector3.Zero;
    }
}

/// <summary>
/// Receives triangles as a reader streams them, so that a large file is never held twice in memory.
/// <see cref="MeshBuilder"/> is the sink that collects an indexed <see cref="Mesh"/>.
/// </summary>
public interface ITriangleSink
{
    /// <summary>Receives the next triangle of the file.</summary>
    void Add(in Triangle triangle);
}
