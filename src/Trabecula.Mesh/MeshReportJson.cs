using System.Numerics;
using System.Text.Json;

namespace Trabecula.Mesh;

/// <summary>
/// The JSON shape of a <see cref="MeshReport"/> for the command line and the server, written field
/// by field (no reflection): <c>triangles</c>, <c>vertices</c>, <c>unit</c>, <c>volumeMm3</c>,
/// <c>areaMm2</c>, <c>bboxMinMm</c>, <c>bboxMaxMm</c> (arrays of x, y, z), <c>closed</c>,
/// <c>manifold</c>, <c>consistentlyOriented</c>, <c>degenerateTriangles</c>, <c>shells</c>.
/// </summary>
public static class MeshReportJson
{
    /// <summary>Writes <paramref name="report"/> as one JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, MeshReport report)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(report);
        writer.WriteStartObject();
        writer.WriteNumber("triangles", report.Triangles);
        writer.WriteNumber("vertices", report.Vertices);
        writer.WriteString("unit", report.Unit.ToFileName());
        writer.WriteNumber("volumeMm3", report.VolumeMm3);
        writer.WriteNumber("areaMm2", report.AreaMm2);
        WriteVector(writer, "bboxMinMm", report.BoundingBoxMinMm);
        WriteVector(writer, "bboxMaxMm", report.BoundingBoxMaxMm);
        writer.WriteBoolean("closed", report.Closed);
        writer.WriteBoolean("manifold", report.Manifold);
        writer.WriteBoolean("consistentlyOriented", report.ConsistentlyOriented);
        writer.WriteNumber("degenerateTriangles", report.DegenerateTriangles);
        writer.WriteNumber("shells", report.Shells);
        writer.WriteEndObject();
    }

    /// <summary>The report as a UTF-8 JSON string.</summary>
    public static string ToJson(this MeshReport report, bool indented = false)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            Write(writer, report);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteVector(Utf8JsonWriter writer, string name, Vector3 v)
    {
        writer.WriteStartArray(name);
        writer.WriteNumberValue(v.X);
        writer.WriteNumberValue(v.Y);
        writer.WriteNumberValue(v.Z);
        writer.WriteEndArray();
    }
}
