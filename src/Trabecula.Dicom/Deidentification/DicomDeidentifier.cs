using System.Globalization;

namespace Trabecula.Dicom.Deidentification;

/// <summary>
/// De-identifies DICOM files with the PS3.15 Annex E Basic Application Level Confidentiality Profile
/// (Table E.1-1, embedded as basic-profile.csv) and the options in <see cref="DeidentificationOptions"/>.
/// Sequences are processed item by item; private attributes are removed unless safe-listed; UIDs
/// are replaced consistently within the case; Patient's Name and ID become the pseudonyms; the
/// result records PatientIdentityRemoved and the method codes (CID 7050). One instance serves a
/// whole case and may be used from several threads.
/// </summary>
public sealed class DicomDeidentifier
{
    private static readonly DicomTag PatientId = new(0x0010, 0x0020);
    private static readonly DicomTag SopInstanceUid = new(0x0008, 0x0018);
    private static readonly DicomTag BurnedInAnnotation = new(0x0028, 0x0301);
    private static readonly DicomTag LongitudinalTemporalInformationModified = new(0x0028, 0x0303);
    private static readonly DicomTag PatientIdentityRemoved = new(0x0012, 0x0062);
    private static readonly DicomTag DeidentificationMethod = new(0x0012, 0x0063);
    private static readonly DicomTag DeidentificationMethodCodeSequence = new(0x0012, 0x0064);
    private static readonly DicomTag CodeValue = new(0x0008, 0x0100);
    private static readonly DicomTag CodingSchemeDesignator = new(0x0008, 0x0102);
    private static readonly DicomTag CodeMeaning = new(0x0008, 0x0104);

    private readonly DeidentificationOptions _options;
    private readonly ConfidentialityProfile _profile = ConfidentialityProfile.Default;
    private readonly HashSet<ProfileOption> _enabled;
    private readonly UidMapper _uids;
    private readonly int? _dateShift;
    private readonly HashSet<DicomPrivateTag> _safePrivate;
    private readonly HashSet<ushort> _groupsWithSafeTags;

    /// <summary>Creates a de-identifier for one case.</summary>
    /// <exception cref="ArgumentException">The secret is shorter than 16 bytes or a pseudonym is empty.</exception>
    public DicomDeidentifier(DeidentificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.CaseSecret is null || options.CaseSecret.Length < 16)
        {
            throw new ArgumentException("The case secret must have at least 16 bytes.", nameof(options));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(options.PatientNamePseudonym);
        _options = options;
        _uids = new UidMapper(options.CaseSecret.ToArray());
        _safePrivate = [.. options.SafePrivateTags];
        _groupsWithSafeTags = _safePrivate.Select(t => t.Group).ToHashSet();
        _enabled = EnabledOptions(options);
        _dateShift = options.RetainLongitudinalModifiedDates && !options.RetainLongitudinalFullDates
            ? options.DateShiftDays ?? _uids.DateShiftDays()
            : null;
    }

    /// <summary>The replacement for <paramref name="uid"/> in this case: "2.25." and 128 bits of HMAC-SHA256.</summary>
    public string MapUid(string uid)
    {
        ArgumentNullException.ThrowIfNull(uid);
        return _uids.Map(uid.TrimEnd('\0', ' '));
    }

    /// <summary>
    /// Reads a file from <paramref name="input"/>, de-identifies it and writes it to
    /// <paramref name="output"/> in the same transfer syntax. Private attributes that are not safe-listed
    /// are dropped while reading; pixel data is copied, not decoded.
    /// </summary>
    /// <exception cref="DicomFormatException">The input is not valid DICOM.</exception>
    public DeidentificationResult Deidentify(Stream input, Stream output, DicomReadOptions? readOptions = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        // The file lives only inside this call, so its large values (pixel data) may sit in this
        // thread's reused buffers: a folder of CT slices then costs no large-object allocation
        // (and no gen-2 collection) per file.
        var buffers = ReusedBuffers.ForThisThread();
        try
        {
            var file = DicomFile.Read(input, readOptions, builder => new PrivateTagFilter(builder, _groupsWithSafeTags), buffers.Take);
            var result = Deidentify(file);
            DicomFileWriter.Write(file, output);
            return result;
        }
        finally
        {
            buffers.Release();
        }
    }

    /// <summary>De-identifies <paramref name="file"/> in place (data set and file meta information).</summary>
    public DeidentificationResult Deidentify(DicomFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var dataset = file.Dataset;
        var warnings = new List<string>();
        var burnedIn = string.Equals(dataset.GetString(BurnedInAnnotation), "YES", StringComparison.OrdinalIgnoreCase);
        if (burnedIn)
        {
            warnings.Add("Burned In Annotation is YES: identifying text may remain in the pixel data.");
        }

        var vocabulary = NeedsVocabulary() ? IdentifyingText(dataset) : [];
        var counters = new Counters();
        Process(dataset, vocabulary, counters);
        Process(file.FileMetaInformation, vocabulary, counters);

        dataset.AddOrUpdate(DicomTag.PatientName, DicomVR.PN, _options.PatientNamePseudonym);
        dataset.AddOrUpdate(PatientId, DicomVR.LO, _options.PatientIdPseudonym ?? _options.PatientNamePseudonym);
        dataset.AddOrUpdate(PatientIdentityRemoved, DicomVR.CS, "YES");
        dataset.AddOrUpdate(DeidentificationMethod, DicomVR.LO, string.Join('\\', MethodCodes().Select(c => c.Meaning)));
        var codes = new DicomSequence(DeidentificationMethodCodeSequence);
        foreach (var (value, meaning) in MethodCodes())
        {
            var item = new DicomDataset();
            item.AddOrUpdate(CodeValue, DicomVR.SH, value);
            item.AddOrUpdate(CodingSchemeDesignator, DicomVR.SH, "DCM");
            item.AddOrUpdate(CodeMeaning, DicomVR.LO, meaning);
            codes.Add(item);
        }

        dataset.AddOrUpdate(codes);
        if (_dateShift is not null)
        {
            dataset.AddOrUpdate(LongitudinalTemporalInformationModified, DicomVR.CS, "MODIFIED");
        }

        return new DeidentificationResult(dataset.GetString(SopInstanceUid), burnedIn, counters.Removed, counters.Replaced, _dateShift, warnings);
    }

    private static HashSet<ProfileOption> EnabledOptions(DeidentificationOptions o)
    {
        var enabled = new HashSet<ProfileOption>();
        void Add(bool on, ProfileOption option)
        {
            if (on)
            {
                enabled.Add(option);
            }
        }

        Add(o.RetainUids, ProfileOption.RetainUids);
        Add(o.RetainDeviceIdentity, ProfileOption.RetainDeviceIdentity);
        Add(o.RetainInstitutionIdentity, ProfileOption.RetainInstitutionIdentity);
        Add(o.RetainPatientCharacteristics, ProfileOption.RetainPatientCharacteristics);
        Add(o.RetainLongitudinalFullDates, ProfileOption.RetainLongitudinalFullDates);
        Add(o.RetainLongitudinalModifiedDates, ProfileOption.RetainLongitudinalModifiedDates);
        Add(o.CleanDescriptors, ProfileOption.CleanDescriptors);
        Add(o.CleanStructuredContent, ProfileOption.CleanStructuredContent);
        Add(o.CleanGraphics, ProfileOption.CleanGraphics);
        Add(o.SafePrivateTags.Count > 0, ProfileOption.RetainSafePrivate);
        return enabled;
    }

    /// <summary>The de-identification method codes of CID 7050 for the profile and the options used.</summary>
    private List<(string Value, string Meaning)> MethodCodes()
    {
        var codes = new List<(string, string)> { ("113100", "Basic Application Confidentiality Profile") };
        if (_options.CleanGraphics) codes.Add(("113103", "Clean Graphics Option"));
        if (_options.CleanStructuredContent) codes.Add(("113104", "Clean Structured Content Option"));
        if (_options.CleanDescriptors) codes.Add(("113105", "Clean Descriptors Option"));
        if (_options.RetainLongitudinalFullDates) codes.Add(("113106", "Retain Longitudinal Temporal Information Full Dates Option"));
        else if (_options.RetainLongitudinalModifiedDates) codes.Add(("113107", "Retain Longitudinal Temporal Information Modified Dates Option"));
        if (_options.RetainPatientCharacteristics) codes.Add(("113108", "Retain Patient Characteristics Option"));
        if (_options.RetainDeviceIdentity) codes.Add(("113109", "Retain Device Identity Option"));
        if (_options.RetainUids) codes.Add(("113110", "Retain UIDs Option"));
        if (_safePrivate.Count > 0) codes.Add(("113111", "Retain Safe Private Option"));
        if (_options.RetainInstitutionIdentity) codes.Add(("113112", "Retain Institution Identity Option"));
        return codes;
    }

    private bool NeedsVocabulary() => _options.CleanDescriptors || _options.CleanStructuredContent || _options.CleanGraphics;

    private void Process(DicomDataset dataset, IReadOnlyList<string> vocabulary, Counters counters)
    {
        foreach (var element in dataset.ToList())
        {
            var tag = element.Tag;
            if ((tag.Group & 1) == 1)
            {
                ProcessPrivate(dataset, element, vocabulary, counters);
                continue;
            }

            var row = _profile.Find(tag);
            var action = row is null ? ProfileAction.Keep : ConfidentialityProfile.Resolve(row, _enabled);
            Apply(dataset, element, action, vocabulary, counters);
        }
    }

    private void ProcessPrivate(DicomDataset dataset, DicomElement element, IReadOnlyList<string> vocabulary, Counters counters)
    {
        var tag = element.Tag;
        bool safe;
        if (tag.IsPrivateCreator)
        {
            var creator = dataset.GetString(tag);
            safe = creator is not null && _safePrivate.Any(s => s.Group == tag.Group && s.Creator == creator);
        }
        else
        {
            var creator = dataset.GetPrivateCreator(tag);
            safe = creator is not null && _safePrivate.Contains(new DicomPrivateTag(tag.Group, creator, (byte)tag.Element));
        }

        if (!safe)
        {
            dataset.Remove(tag);
            counters.Removed++;
            return;
        }

        if (element is DicomSequence sequence)
        {
            ProcessItems(sequence, vocabulary, counters);
        }
    }

    private void ProcessItems(DicomSequence sequence, IReadOnlyList<string> vocabulary, Counters counters)
    {
        foreach (var item in sequence.Items)
        {
            Process(item, vocabulary, counters);
        }
    }

    private void Apply(DicomDataset dataset, DicomElement element, ProfileAction action, IReadOnlyList<string> vocabulary, Counters counters)
    {
        var tag = element.Tag;
        if (element is DicomSequence sequence)
        {
            switch (action)
            {
                case ProfileAction.Remove:
                    dataset.Remove(tag);
                    counters.Removed++;
                    return;
                case ProfileAction.Empty:
                    dataset.AddOrUpdate(new DicomSequence(tag) { HasUndefinedLength = sequence.HasUndefinedLength });
                    counters.Replaced++;
                    return;
                default:
                    // K, D, C and U on a sequence keep it and apply the profile to every item.
                    ProcessItems(sequence, vocabulary, counters);
                    return;
            }
        }

        switch (action)
        {
            case ProfileAction.Keep:
                return;
            case ProfileAction.Remove:
                dataset.Remove(tag);
                counters.Removed++;
                return;
            case ProfileAction.Empty:
                Replace(dataset, element, ReadOnlyMemory<byte>.Empty, counters);
                return;
            case ProfileAction.Dummy when element.VR == DicomVR.UI:
            case ProfileAction.ReplaceUid when element.VR == DicomVR.UI:
                var uids = dataset.GetStrings(tag).Where(u => u.Length > 0).Select(_uids.Map);
                var text = string.Join('\\', uids);
                Replace(dataset, element, DicomDataset.Pad(System.Text.Encoding.ASCII.GetBytes(text.Length > 0 ? text : _uids.Map(tag.ToString())), DicomVR.UI), counters);
                return;
            case ProfileAction.Dummy:
                Replace(dataset, element, DummyValues.For(element.VR), counters);
                return;
            case ProfileAction.ReplaceUid:
                Replace(dataset, element, ReadOnlyMemory<byte>.Empty, counters);
                return;
            case ProfileAction.Clean:
                Clean(dataset, element, vocabulary, counters);
                return;
        }
    }

    private static void Replace(DicomDataset dataset, DicomElement element, ReadOnlyMemory<byte> value, Counters counters)
    {
        dataset.AddOrUpdate(new DicomElement(element.Tag, element.VR, value));
        counters.Replaced++;
    }

    private void Clean(DicomDataset dataset, DicomElement element, IReadOnlyList<string> vocabulary, Counters counters)
    {
        if (element.VR is DicomVR.DA or DicomVR.DT)
        {
            if (_dateShift is { } days)
            {
                var shifted = string.Join('\\', dataset.GetStrings(element.Tag).Select(v => ShiftDate(v, days)));
                Replace(dataset, element, DicomDataset.Pad(System.Text.Encoding.ASCII.GetBytes(shifted), element.VR), counters);
            }
            else
            {
                Replace(dataset, element, ReadOnlyMemory<byte>.Empty, counters);
            }

            return;
        }

        if (element.VR == DicomVR.TM)
        {
            // Whole-day shifts leave the time of day as it was.
            return;
        }

        if (!DicomVRInfo.IsString(element.VR))
        {
            Replace(dataset, element, ReadOnlyMemory<byte>.Empty, counters);
            return;
        }

        var text = dataset.GetString(element.Tag) ?? string.Empty;
        var cleaned = text;
        foreach (var word in vocabulary)
        {
            cleaned = cleaned.Replace(word, string.Empty, StringComparison.OrdinalIgnoreCase);
        }

        if (cleaned != text)
        {
            dataset.AddOrUpdate(element.Tag, element.VR, string.Join(' ', cleaned.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
            counters.Replaced++;
        }
    }

    /// <summary>Shifts a DA value (or the date part of a DT), ranges included; unparseable values are emptied.</summary>
    private static string ShiftDate(string value, int days)
    {
        if (value.Contains('-', StringComparison.Ordinal) && value.Length >= 8 && !value.StartsWith('-'))
        {
            return string.Join('-', value.Split('-').Select(part => part.Length == 0 ? part : ShiftDate(part, days)));
        }

        if (value.Length < 8 || !DateOnly.TryParseExact(value[..8], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return string.Empty;
        }

        return date.AddDays(days).ToString("yyyyMMdd", CultureInfo.InvariantCulture) + value[8..];
    }

    /// <summary>
    /// Words of every value the profile does not keep (names, IDs, addresses, dates): cleaning blanks
    /// them out of descriptions. Words shorter than three characters are left, they match too much.
    /// </summary>
    private List<string> IdentifyingText(DicomDataset dataset)
    {
        var words = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        void Collect(DicomDataset ds)
        {
            foreach (var element in ds)
            {
                if (element is DicomSequence sequence)
                {
                    foreach (var item in sequence.Items)
                    {
                        Collect(item);
                    }

                    continue;
                }

                var row = (element.Tag.Group & 1) == 1 ? _profile.PrivateRow : _profile.Find(element.Tag);
                if (row is null || !DicomVRInfo.IsString(element.VR) || element.VR == DicomVR.UI)
                {
                    continue;
                }

                var action = ConfidentialityProfile.Resolve(row, _enabled);
                if (action is ProfileAction.Keep or ProfileAction.Clean)
                {
                    continue;
                }

                foreach (var word in (ds.GetString(element.Tag) ?? string.Empty).Split(['^', '=', '\\', ' ', ',', '.'], StringSplitOptions.RemoveEmptyEntries))
                {
                    if (word.Length >= 3)
                    {
                        words.Add(word);
                    }
                }
            }
        }

        Collect(dataset);
        return [.. words.OrderByDescending(w => w.Length)];
    }

    /// <summary>
    /// Large value buffers of one thread, lent for the duration of one <see cref="Deidentify(Stream, Stream, DicomReadOptions?)"/>
    /// call and taken back at its end. At most <see cref="MaxKeptBytes"/> stay with the thread between calls.
    /// </summary>
    private sealed class ReusedBuffers
    {
        private const long MaxKeptBytes = 64L << 20;

        [ThreadStatic]
        private static ReusedBuffers? t_current;

        private readonly List<byte[]> _arrays = [];
        private int _taken;
        private bool _inUse;

        public static ReusedBuffers ForThisThread()
        {
            var buffers = t_current ??= new ReusedBuffers();
            if (buffers._inUse)
            {
                // A nested call on the same thread (a stream that de-identifies while being read) gets its own.
                buffers = new ReusedBuffers();
            }

            buffers._inUse = true;
            return buffers;
        }

        public byte[] Take(int length)
        {
            if (_taken < _arrays.Count && _arrays[_taken].Length >= length)
            {
                return _arrays[_taken++];
            }

            // Uninitialized: every byte of the value is read from the file before anyone sees it.
            var array = GC.AllocateUninitializedArray<byte>(length);
            if (_arrays.Sum(a => (long)a.Length) + length <= MaxKeptBytes)
            {
                if (_taken < _arrays.Count)
                {
                    _arrays[_taken] = array;
                }
                else
                {
                    _arrays.Add(array);
                }

                _taken++;
            }

            return array;
        }

        public void Release()
        {
            _taken = 0;
            _inUse = false;
        }
    }

    private sealed class Counters
    {
        public int Removed { get; set; }

        public int Replaced { get; set; }
    }
}
