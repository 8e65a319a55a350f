using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Trabecula.Dicom;
using Trabecula.Dicom.Deidentification;
using Trabecula.Dicom.Json;
using Trabecula.Dicom.Series;

namespace Trabecula.Tools;

/// <summary>
/// `trabecula dicom inspect|deid|validate`: the DICOM library on the command line, for PACS-side
/// scripts and for checking a hospital's export before it is uploaded. No database, no server.
/// Exit codes: 0 fine, 1 some files failed (each named on stderr), 2 usage.
/// </summary>
public static class DicomCommands
{
    public static Command Create()
    {
        var dicom = new Command("dicom", "Inspect, validate and de-identify DICOM files (PS3.10, PS3.15 Annex E).");
        dicom.Subcommands.Add(Inspect());
        dicom.Subcommands.Add(Deidentify());
        dicom.Subcommands.Add(Validate());
        return dicom;
    }

    private static Command Inspect()
    {
        var path = new Argument<string>("path") { Description = "A DICOM file or a folder of them (searched recursively)." };
        var json = new Option<bool>("--json") { Description = "A file: the data set in the DICOM JSON Model (PS3.18 Annex F, bulk data left out). A folder: the series summaries as JSON." };
        var command = new Command("inspect", "Summarize a file or every series of a folder.") { path, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var target = parse.GetValue(path)!;
            if (File.Exists(target))
            {
                var file = DicomFile.Open(target, DicomReadOptions.HeaderOnly);
                if (parse.GetValue(json))
                {
                    await Console.Out.WriteLineAsync(DicomJsonWriter.ToJson(file.Dataset, new DicomJsonOptions { Indented = true }));
                }
                else
                {
                    await Console.Out.WriteLineAsync($"transfer syntax: {file.TransferSyntax}");
                    await Console.Out.WriteLineAsync(DicomSeriesSummary.Build([file.Dataset]).ToString());
                }

                return 0;
            }

            var (series, failures) = await ReadFolderAsync(target, cancellationToken);
            var summaries = series.Select(s => DicomSeriesSummary.Build(s.Value)).ToList();
            if (parse.GetValue(json))
            {
                await Console.Out.WriteLineAsync(SeriesSummaryJson.Serialize(summaries));
            }
            else
            {
                foreach (var summary in summaries)
                {
                    await Console.Out.WriteLineAsync(summary.ToString());
                }
            }

            return failures == 0 ? 0 : 1;
        });
        return command;
    }

    private static Command Deidentify()
    {
        var input = new Argument<string>("in") { Description = "A DICOM file or a folder." };
        var output = new Argument<string>("out") { Description = "The output file or folder (created; existing files are not overwritten)." };
        var keepDevice = new Option<bool>("--keep-device") { Description = "Retain Device Identity option: keep the acquisition device (R-DATA-2)." };
        var secret = new Option<string?>("--secret") { Description = "The per-case secret UIDs and date shifts derive from; the same secret gives the same UIDs. Default: a random one." };
        var pseudonym = new Option<string>("--pseudonym") { Description = "PatientName and PatientID of the output.", DefaultValueFactory = _ => "ANONYMOUS" };
        var command = new Command("deid", "Apply the PS3.15 Annex E Basic Application Level Confidentiality Profile.") { input, output, keepDevice, secret, pseudonym };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var source = parse.GetValue(input)!;
            var destination = parse.GetValue(output)!;
            // A pass phrase of any length becomes a 32-byte key; the label keeps it apart from other uses of the same phrase.
            var key = parse.GetValue(secret) is { Length: > 0 } s
                ? HMACSHA256.HashData("trabecula/dicom/case-secret"u8, Encoding.UTF8.GetBytes(s))
                : RandomNumberGenerator.GetBytes(32);
            var deidentifier = new DicomDeidentifier(new DeidentificationOptions
            {
                CaseSecret = key,
                PatientNamePseudonym = parse.GetValue(pseudonym)!,
                PatientIdPseudonym = parse.GetValue(pseudonym)!,
                RetainDeviceIdentity = parse.GetValue(keepDevice),
            });
            var pairs = File.Exists(source)
                ? [(source, destination)]
                : Directory.Exists(source)
                    ? Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Select(f => (f, Path.Combine(destination, Path.GetRelativePath(source, f)))).ToList()
                    : throw new CliUsageException($"{source}: no such file or folder");
            var failed = 0;
            // Each output folder is created once, not once per file (a series is one folder of hundreds).
            var folders = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
            var withheld = 0;
            var written = 0;
            await Parallel.ForEachAsync(pairs, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount }, async (pair, ct) =>
            {
                var (from, to) = pair;
                var partial = to + ".partial";
                try
                {
                    var folder = Path.GetDirectoryName(Path.GetFullPath(to))!;
                    if (!folders.ContainsKey(folder))
                    {
                        Directory.CreateDirectory(folder);
                        folders.TryAdd(folder, true);
                    }

                    DeidentificationResult result;
                    // No FileStream buffer on the input: the DICOM reader buffers itself and reads pixel data straight into place.
                    await using (var reader = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan))
                    await using (var writer = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                    {
                        result = deidentifier.Deidentify(reader, writer);
                    }

                    if (result.HasBurnedInAnnotation)
                    {
                        // Text burned into the pixels survives any header profile: such a file is not passed on.
                        File.Delete(partial);
                        Interlocked.Increment(ref withheld);
                        await Console.Error.WriteLineAsync($"{from}: burned-in annotation; not written");
                        return;
                    }

                    File.Move(partial, to, overwrite: false);
                    Interlocked.Increment(ref written);
                }
                catch (Exception ex) when (ex is DicomFormatException or IOException or UnauthorizedAccessException)
                {
                    File.Delete(partial);
                    Interlocked.Increment(ref failed);
                    await Console.Error.WriteLineAsync($"{from}: {ex.Message}");
                }
            });
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"de-identified {written} file(s); {withheld} withheld (burned-in annotation); {failed} failed"));
            return failed + withheld == 0 ? 0 : 1;
        });
        return command;
    }

    private static Command Validate()
    {
        var path = new Argument<string>("path") { Description = "A DICOM file or a folder of them." };
        var command = new Command("validate", "Parse every file completely and check what an upload needs; exit 1 with the reasons otherwise.") { path };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var target = parse.GetValue(path)!;
            var files = File.Exists(target) ? [target] : Directory.Exists(target)
                ? Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).ToList()
                : throw new CliUsageException($"{target}: no such file or folder");
            var invalid = 0;
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var problems = new List<string>();
                try
                {
                    var dicom = DicomFile.Open(file);
                    if (!dicom.HadFileMetaInformation)
                    {
                        problems.Add("no PS3.10 file meta information (preamble, DICM, group 0002)");
                    }

                    foreach (var (tag, name) in new[] { (new DicomTag(0x0008, 0x0016), "SOPClassUID"), (new DicomTag(0x0008, 0x0018), "SOPInstanceUID"), (new DicomTag(0x0020, 0x000D), "StudyInstanceUID"), (new DicomTag(0x0020, 0x000E), "SeriesInstanceUID") })
                    {
                        if (string.IsNullOrWhiteSpace(dicom.Dataset.GetString(tag)))
                        {
                            problems.Add($"{name} is missing");
                        }
                    }
                }
                catch (DicomFormatException ex)
                {
                    problems.Add(ex.Message);
                }

                if (problems.Count > 0)
                {
                    invalid++;
                    await Console.Error.WriteLineAsync($"{file}: {string.Join("; ", problems)}");
                }
            }

            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{files.Count - invalid} of {files.Count} file(s) valid"));
            return invalid == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>Reads every file's header, groups by series; files that are not DICOM are skipped, malformed ones reported.</summary>
    private static async Task<(SortedDictionary<string, List<DicomDataset>> Series, int Failures)> ReadFolderAsync(string folder, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder))
        {
            throw new CliUsageException($"{folder}: no such file or folder");
        }

        var series = new SortedDictionary<string, List<DicomDataset>>(StringComparer.Ordinal);
        var failures = 0;
        var skipped = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!await LooksLikeDicomAsync(file, cancellationToken))
            {
                skipped++;
                continue;
            }

            try
            {
                var dataset = DicomFile.Open(file, DicomReadOptions.HeaderOnly).Dataset;
                var uid = dataset.GetString(new DicomTag(0x0020, 0x000E)) ?? "(no series UID)";
                if (!series.TryGetValue(uid, out var list))
                {
                    series[uid] = list = [];
                }

                list.Add(dataset);
            }
            catch (DicomFormatException ex)
            {
                failures++;
                await Console.Error.WriteLineAsync($"{file}: {ex.Message}");
            }
        }

        if (skipped > 0)
        {
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"skipped {skipped} file(s) that are not DICOM"));
        }

        return (series, failures);
    }

    private static async Task<bool> LooksLikeDicomAsync(string file, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(file);
        return await DicomFileSniffer.IsPart10Async(stream, cancellationToken);
    }
}
