using System.Globalization;
using System.Text;
using Trabecula.Dicom.Deidentification;
using Trabecula.Dicom.Dictionary;
using Trabecula.Dicom.Tests.TestSupport;

namespace Trabecula.Dicom.Tests.Deidentification;

[Collection(CtSeriesDefinition.Name)]
public sealed class DicomDeidentifierTests(CtSeriesFixture fixture)
{
    private static readonly byte[] Secret = Encoding.ASCII.GetBytes("case-0001-secret-for-tests");
    private static readonly DicomTag PatientId = new(0x0010, 0x0020);
    private static readonly DicomTag StudyInstanceUid = new(0x0020, 0x000D);
    private static readonly DicomTag SopInstanceUid = new(0x0008, 0x0018);

    private static DeidentificationOptions Options(Action<OptionsBuilder>? configure = null)
    {
        var builder = new OptionsBuilder();
        configure?.Invoke(builder);
        return builder.Build();
    }

    [Fact]
    [Trait("Requirement", "R-DATA-6")]
    [Trait("TestPlan", "UP-08")]
    public void Transcription_Rerun_MatchesCommittedCsv()
    {
        using var temp = new TempDirectory();
        var output = temp.File("basic-profile.csv");

        ExternalTool.RunChecked(ExternalTool.Python, Path.Combine(RepositoryPaths.Root, "tools", "transcribe-basic-profile.py"), output);

        Assert.True(File.ReadAllText(BasicProfileTable.CsvPath) == File.ReadAllText(output), "basic-profile.csv differs from tools/transcribe-basic-profile.py output");
    }

    [Fact]
    [Trait("Requirement", "R-DATA-6")]
    [Trait("TestPlan", "UP-08")]
    public void Deidentify_EveryTableAttribute_ActionMatchesBasicProfile()
    {
        var deidentifier = new DicomDeidentifier(Options());
        var failures = new List<string>();
        var checkedRows = 0;
        foreach (var (tagText, name, basic, _) in BasicProfileTable.Rows())
        {
            if (tagText.Contains('x', StringComparison.Ordinal) || tagText == "ggggeeee"
                || !DicomDictionary.Default.TryGetEntry(DicomTag.Parse(tagText), out var entry))
            {
                continue;
            }

            var tag = entry.Tag;
            var ds = new DicomDataset();
            var original = SampleValue(entry.VR);
            if (entry.VR == DicomVR.SQ)
            {
                var sequence = new DicomSequence(tag);
                var item = new DicomDataset();
                item.AddOrUpdate(DicomTag.PatientName, DicomVR.PN, "Inner^Name");
                sequence.Add(item);
                ds.AddOrUpdate(sequence);
            }
            else
            {
                ds.AddOrUpdate(new DicomElement(tag, entry.VR, original));
            }

            deidentifier.Deidentify(new DicomFile(ds));
            checkedRows++;
            var outcome = Describe(ds, tag, entry.VR, original, deidentifier);
            var expected = Expected(tag, basic, entry.VR);
            if (outcome != expected)
            {
                failures.Add($"{tag} {name} [{basic}]: expected {expected}, got {outcome}");
            }
        }

        Assert.True(checkedRows > 400, $"only {checkedRows} rows checked");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    [Trait("Requirement", "R-DATA-6")]
    public void Deidentify_RetainDeviceIdentity_KeepsEveryDeviceRow()
    {
        var deidentifier = new DicomDeidentifier(Options(o => o.RetainDeviceIdentity = true));
        foreach (var (tagText, name, _, options) in BasicProfileTable.Rows().Where(r => r.Options.GetValueOrDefault("RetainDeviceIdentity") == "K"))
        {
            if (!DicomDictionary.Default.TryGetEntry(DicomTag.Parse(tagText), out var entry) || entry.VR == DicomVR.SQ)
            {
                continue;
            }

            var ds = new DicomDataset();
            var value = SampleValue(entry.VR);
            ds.AddOrUpdate(new DicomElement(entry.Tag, entry.VR, value));

            deidentifier.Deidentify(new DicomFile(ds));

            Assert.True(ds[entry.Tag]?.Value.ToArray().SequenceEqual(value) == true, $"{name} was not retained");
        }
    }

    [Fact]
    [Trait("Requirement", "R-DATA-6")]
    public void Deidentify_ModifiedDatesOption_ShiftsDatesConsistently()
    {
        var deidentifier = new DicomDeidentifier(Options(o => o.RetainLongitudinalModifiedDates = true));
        var a = DicomFile.Open(fixture.Slices[0]);
        var b = DicomFile.Open(fixture.Slices[1]);
        var studyDate = DateOnly.ParseExact(a.Dataset.GetString(new DicomTag(0x0008, 0x0020))!, "yyyyMMdd", CultureInfo.InvariantCulture);

        var result = deidentifier.Deidentify(a);
        deidentifier.Deidentify(b);

        Assert.NotNull(result.DateShiftDays);
        var shifted = studyDate.AddDays(result.DateShiftDays!.Value).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        Assert.Equal(shifted, a.Dataset.GetString(new DicomTag(0x0008, 0x0020)));
        Assert.Equal(shifted, b.Dataset.GetString(new DicomTag(0x0008, 0x0022)));
        Assert.Equal("MODIFIED", a.Dataset.GetString(new DicomTag(0x0028, 0x0303)));
        Assert.Contains(a.Dataset.GetSequence(new DicomTag(0x0012, 0x0064))!.Items, i => i.GetString(new DicomTag(0x0008, 0x0100)) == "113107");
    }

    [Fact]
    [Trait("Requirement", "R-DATA-6")]
    public void Deidentify_CleanDescriptors_KeepsDescriptionWithoutIdentifyingWords()
    {
        var ds = new DicomDataset();
        ds.AddOrUpdate(DicomTag.PatientName, DicomVR.PN, "Doe^Johnathan");
        ds.AddOrUpdate(new DicomTag(0x0008, 0x1030), DicomVR.LO, "CT CHEST for Johnathan Doe");

        new DicomDeidentifier(Options(o => o.CleanDescriptors = true)).Deidentify(new DicomFile(ds));

        Assert.Equal("CT CHEST for", ds.GetString(new DicomTag(0x0008, 0x1030)));
    }

    [Fact]
    [Trait("Requirement", "R-DATA-6")]
    [Trait("TestPlan", "UP-08")]
    public void Deidentify_SeriesWithSameSecret_UidsConsistentWithinCaseOnly()
    {
        var first = DicomFile.Open(fixture.Slices[0]);
        var second = DicomFile.Open(fixture.Slices[1]);
        var originalStudy = first.Dataset.GetString(StudyInstanceUid)!;
        var deidentifier = new DicomDeidentifier(Options());

        var r1 = deidentifier.Deidentify(first);
        var r2 = new DicomDeidentifier(Options()).Deidentify(second);
        var otherCase = new DicomDeidentifier(Options(o => o.Secret = Encoding.ASCII.GetBytes("another-case-secret-0002")));

        var study = first.Dataset.GetString(StudyInstanceUid)!;
        Assert.StartsWith("2.25.", study, StringComparison.Ordinal);
        Assert.True(study.Length <= 64);
        Assert.Equal(study, second.Dataset.GetString(StudyInstanceUid));
        Assert.NotEqual(r1.SopInstanceUid, r2.SopInstanceUid);
        Assert.Equal(r1.SopInstanceUid, first.FileMetaInformation.GetString(new DicomTag(0x0002, 0x0003)));
        Assert.NotEqual(study, otherCase.MapUid(originalStudy));
        Assert.Equal(study, deidentifier.MapUid(originalStudy));
    }

    [Fact]
    [Trait("Requirement", "R-DATA-6")]
    [Trait("TestPlan", "UP-08")]
    public void Deidentify_PrivateTags_RemovedExceptSafeList()
    {
        var file = DicomFile.Open(fixture.First);
        var safe = new DicomPrivateTag(0x0019, "GEMS_ACQU_01", 0x23);

        new DicomDeidentifier(Options(o => o.SafePrivateTags = [safe])).Deidentify(file);

        var privates = file.Dataset.Where(e => e.Tag.IsPrivate).Select(e => e.Tag).ToList();
        Assert.Equal([new DicomTag(0x0019, 0x0010), new DicomTag(0x0019, 0x1023)], privates);
        Assert.Equal("GEMS_ACQU_01", file.Dataset.GetPrivateCreator(new DicomTag(0x0019, 0x1023)));
    }

    [Fact]
    [Trait("Requirement", "R-DATA-6")]
    public void Deidentify_BurnedInAnnotation_ReportedInResult()
    {
        var ds = new DicomDataset();
        ds.AddOrUpdate(new DicomTag(0x0028, 0x0301), DicomVR.CS, "YES");

        var result = new DicomDeidentifier(Options()).Deidentify(new DicomFile(ds));

        Assert.True(result.HasBurnedInAnnotation);
        Assert.NotEmpty(result.Warnings);
    }

    [Fact]
    [Trait("Requirement", "R-DATA-6")]
    public void Deidentify_Pseudonyms_SetNameIdAndMarkers()
    {
        var file = DicomFile.Open(Directory.GetFiles(fixture.Gb18030Folder, "*.dcm")[0]);

        new DicomDeidentifier(Options(o => o.Name = "病例^0001")).Deidentify(file);

        Assert.Equal("病例^0001", file.Dataset.GetString(DicomTag.PatientName));
        Assert.Equal("病例^0001", file.Dataset.GetString(PatientId));
        Assert.Equal("YES", file.Dataset.GetString(new DicomTag(0x0012, 0x0062)));
        Assert.Contains("Basic Application Confidentiality Profile", file.Dataset.GetString(new DicomTag(0x0012, 0x0063)), StringComparison.Ordinal);
        Assert.Equal("113100", file.Dataset.GetSequence(new DicomTag(0x0012, 0x0064))!.Items[0].GetString(new DicomTag(0x0008, 0x0100)));
    }

    [Fact]
    [Trait("Requirement", "R-DATA-6")]
    public void Deidentify_StreamToStream_PixelDataCopiedUnchanged()
    {
        var original = DicomFile.Open(fixture.Rle);
        using var input = File.OpenRead(fixture.Rle);
        using var output = new MemoryStream();

        new DicomDeidentifier(Options()).Deidentify(input, output);

        output.Position = 0;
        var result = DicomFile.Read(output);
        Assert.Equal(original.TransferSyntax, result.TransferSyntax);
        var before = Assert.IsType<DicomFragmentSequence>(original.Dataset[DicomTag.PixelData]);
        var after = Assert.IsType<DicomFragmentSequence>(result.Dataset[DicomTag.PixelData]);
        Assert.Equal(before.Fragments.Select(f => f.ToArray()), after.Fragments.Select(f => f.ToArray()));
    }

    [Fact]
    public void Deidentify_StreamToStream_AllocatesAboutOneCopyOfTheFile()
    {
        // Pixel data is copied as one value, never decoded: allocation stays near the file size.
        var bytes = File.ReadAllBytes(fixture.First);
        var deidentifier = new DicomDeidentifier(Options());
        deidentifier.Deidentify(new MemoryStream(bytes), new MemoryStream());
        using var output = new MemoryStream(bytes.Length * 2);

        var before = GC.GetAllocatedBytesForCurrentThread();
        deidentifier.Deidentify(new MemoryStream(bytes), output);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 2 * bytes.Length + (256 << 10), $"allocated {allocated} bytes for a {bytes.Length}-byte file");
    }

    [Fact]
    [Trait("Requirement", "R-DATA-6")]
    public void Deidentify_FilesOneAfterAnother_ReuseTheLargeValueBufferWithoutMixingPixels()
    {
        // Two files whose pixel data (1 MiB and 256 KiB) are above the reuse threshold and differ;
        // de-identified one after the other on this thread from seekable streams.
        using var temp = new TempDirectory();
        var pixels = new[] { new byte[1 << 20], new byte[1 << 18] };
        var paths = new string[2];
        for (var i = 0; i < 2; i++)
        {
            new Random(i).NextBytes(pixels[i]);
            var file = DicomFile.Open(fixture.First);
            file.Dataset.AddOrUpdate(new DicomElement(DicomTag.PixelData, DicomVR.OW, pixels[i]));
            paths[i] = temp.File($"large{i}.dcm");
            DicomFileWriter.Write(file, paths[i]);
        }

        var deidentifier = new DicomDeidentifier(Options());
        var outputs = new List<MemoryStream>();
        long secondCallAllocated = 0;
        foreach (var path in new[] { paths[0], paths[1], paths[0] })
        {
            using var input = File.OpenRead(path);
            var output = new MemoryStream(2 << 20);
            var before = GC.GetAllocatedBytesForCurrentThread();
            deidentifier.Deidentify(input, output);
            secondCallAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
            outputs.Add(output);
        }

        for (var i = 0; i < 3; i++)
        {
            outputs[i].Position = 0;
            var value = DicomFile.Read(outputs[i]).Dataset[DicomTag.PixelData]!.Value.ToArray();
            Assert.Equal(pixels[i % 2], value);
        }

        // The third call reads its 1 MiB into the buffer the first one left with the thread.
        Assert.True(secondCallAllocated < (1 << 20) / 2, $"allocated {secondCallAllocated} bytes besides the reused buffer");
    }

    internal static byte[] SampleValue(DicomVR vr) => vr switch
    {
        DicomVR.DA => "20200101"u8.ToArray(),
        DicomVR.TM => "101010"u8.ToArray(),
        DicomVR.DT => "20200101101010"u8.ToArray(),
        DicomVR.UI => "1.2.3.4.5.6"u8.ToArray(),
        DicomVR.AS => "045Y"u8.ToArray(),
        DicomVR.DS => "1.5 "u8.ToArray(),
        DicomVR.IS => "7 "u8.ToArray(),
        DicomVR.AT => [0x10, 0x00, 0x10, 0x00],
        _ when DicomVRInfo.IsString(vr) => "ORIGINAL"u8.ToArray(),
        _ => [1, 2, 3, 4, 5, 6, 7, 8],
    };

    private static string Expected(DicomTag tag, string basic, DicomVR vr)
    {
        if (tag == DicomTag.PatientName || tag == PatientId)
        {
            return "pseudonym";
        }

        if (vr == DicomVR.SQ)
        {
            return basic switch
            {
                "X" => "removed",
                "Z" or "X/Z" or "Z/D" or "X/Z/D" => "empty",
                _ => "recursed",
            };
        }

        return basic switch
        {
            "X" => "removed",
            "Z" or "X/Z" or "Z/D" or "X/Z/D" => "empty",
            "D" or "X/D" => vr == DicomVR.UI ? "uid" : "dummy",
            "U" or "X/Z/U*" => vr == DicomVR.UI ? "uid" : "empty",
            _ => "kept",
        };
    }

    private static string Describe(DicomDataset ds, DicomTag tag, DicomVR vr, byte[] original, DicomDeidentifier deidentifier)
    {
        if (!ds.TryGetElement(tag, out var element))
        {
            return "removed";
        }

        if (tag == DicomTag.PatientName || tag == PatientId)
        {
            return ds.GetString(tag) == "PSEUDO^0001" ? "pseudonym" : "not pseudonym";
        }

        if (element is DicomSequence sequence)
        {
            return sequence.Items.Count == 0 ? "empty"
                : sequence.Items[0].GetString(DicomTag.PatientName) == string.Empty ? "recursed" : "kept unprocessed";
        }

        if (element.Value.IsEmpty)
        {
            return "empty";
        }

        if (vr == DicomVR.UI)
        {
            return ds.GetString(tag) == deidentifier.MapUid(Encoding.ASCII.GetString(original)) ? "uid" : "other uid";
        }

        return element.Value.ToArray().SequenceEqual(original) ? "kept" : "dummy";
    }

    private sealed class OptionsBuilder
    {
        public byte[] Secret { get; set; } = DicomDeidentifierTests.Secret;

        public string Name { get; set; } = "PSEUDO^0001";

        public bool RetainDeviceIdentity { get; set; }

        public bool RetainLongitudinalModifiedDates { get; set; }

        public bool CleanDescriptors { get; set; }

        public IReadOnlyCollection<DicomPrivateTag> SafePrivateTags { get; set; } = [];

        public DeidentificationOptions Build() => new()
        {
            CaseSecret = Secret,
            PatientNamePseudonym = Name,
            RetainDeviceIdentity = RetainDeviceIdentity,
            RetainLongitudinalModifiedDates = RetainLongitudinalModifiedDates,
            CleanDescriptors = CleanDescriptors,
            SafePrivateTags = SafePrivateTags,
        };
    }
}
