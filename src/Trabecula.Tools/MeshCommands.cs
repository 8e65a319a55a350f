using System.CommandLine;
using Trabecula.Mesh;
using Trabecula.Mesh.Amf;
using Trabecula.Mesh.Stl;
using Trabecula.Mesh.ThreeMf;

namespace Trabecula.Tools;

/// <summary>
/// `trabecula mesh inspect|convert`: the mesh library on the command line, for a designer checking
/// a model before upload. Exit codes: 0 fine, 1 the file does not parse (the reason with its byte
/// offset or line on stderr), 2 usage.
/// </summary>
public static class MeshCommands
{
    public static Command Create()
    {
        var mesh = new Command("mesh", "Inspect and convert AM models (STL, AMF, 3MF).");
        mesh.Subcommands.Add(Inspect());
        mesh.Subcommands.Add(Convert());
        return mesh;
    }

    private static Command Inspect()
    {
        var path = new Argument<string>("path") { Description = "An STL (binary or ASCII), AMF (plain or zipped) or 3MF file." };
        var json = new Option<bool>("--json") { Description = "The report as JSON: triangles, vertices, unit, volumeMm3, areaMm2, bboxMinMm, bboxMaxMm, closed, manifold, consistentlyOriented, degenerateTriangles, shells." };
        var command = new Command("inspect", "Check a model: counts, size, area, volume, closed, manifold, orientation, shells.") { path, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var file = parse.GetValue(path)!;
            var report = (await ReadAsync(file)).Check();
            if (parse.GetValue(json))
            {
                await Console.Out.WriteLineAsync(report.ToJson(indented: true));
            }
            else
            {
                await Console.Out.WriteLineAsync(FormattableString.Invariant(
                    $"{report.Triangles} triangles, {report.Vertices} vertices ({report.Unit}); bbox {report.BoundingBoxMinMm} .. {report.BoundingBoxMaxMm} mm"));
                await Console.Out.WriteLineAsync(FormattableString.Invariant(
                    $"area {report.AreaMm2:F3} mm2, volume {report.VolumeMm3:F3} mm3; closed {report.Closed}, manifold {report.Manifold}, oriented {report.ConsistentlyOriented}, degenerate {report.DegenerateTriangles}, shells {report.Shells}"));
            }

            return 0;
        });
        return command;
    }

    private static Command Convert()
    {
        var input = new Argument<string>("in") { Description = "STL, AMF or 3MF." };
        var output = new Argument<string>("out") { Description = "The output; its extension (.stl, .amf, .3mf) chooses the format. An existing file is not overwritten." };
        var command = new Command("convert", "Convert between STL, AMF and 3MF (units kept; STL has none and is read as millimetres).") { input, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var from = parse.GetValue(input)!;
            var to = parse.GetValue(output)!;
            var model = await ReadAsync(from);
            var partial = to + ".partial";
            await using (var stream = new FileStream(partial, FileMode.CreateNew, FileAccess.Write))
            {
                switch (Path.GetExtension(to).ToLowerInvariant())
                {
                    case ".stl":
                        StlWriter.WriteBinary(stream, model);
                        break;
                    case ".amf":
                        AmfWriter.Write(stream, model, [new("source", Path.GetFileName(from))]);
                        break;
                    case ".3mf":
                        ThreeMfWriter.Write(stream, model);
                        break;
                    default:
                        File.Delete(partial);
                        throw new CliUsageException($"{to}: the output extension must be .stl, .amf or .3mf");
                }
            }

            File.Move(partial, to, overwrite: false);
            await Console.Out.WriteLineAsync(FormattableString.Invariant($"{model.TriangleCount} triangles written to {to}"));
            return 0;
        });
        return command;
    }

    /// <summary>Reads by content for STL, by extension for AMF and 3MF (both may be zips).</summary>
    private static Task<Trabecula.Mesh.Mesh> ReadAsync(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliUsageException($"{path}: no such file");
        }

        return Task.FromResult(Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".amf" => AmfReader.Read(path).ToMesh(),
            ".3mf" => ThreeMfReader.Read(path).Mesh,
            _ => StlReader.ReadMesh(path),
        });
    }
}
