using System.Globalization;

namespace Trabecula.Dicom.Series;

/// <summary>
/// What a designer needs to know about a series before segmenting it: equipment, geometry, slice
/// spacing measured from Image Position/Orientation (Patient), and whether slices are missing or
/// irregularly spaced. Values come from the first slice unless stated otherwise; absent ones are null.
/// </summary>
public sealed class DicomSeriesSummary
{

    private DicomSeriesSummary()
    {
    }

    /// <summary>Series Instance UID.</summary>
    public string? SeriesInstanceUid { get; private init; }

    /// <summary>Modality, for example CT.</summary>
    public string? ModalityName { get; private init; }

    /// <summary>Manufacturer.</summary>
    public string? ManufacturerName { get; private init; }

    /// <summary>Manufacturer's Model Name.</summary>
    public string? Model { get; private init; }

    /// <summary>Device Serial Number.</summary>
    public string? SerialNumber { get; private init; }

    /// <summary>Station Name.</summary>
    public string? Station { get; private init; }

    /// <summary>Slice Thickness in mm.</summary>
    public double? SliceThicknessMm { get; private init; }

    /// <summary>Spacing Between Slices in mm as declared in the header.</summary>
    public double? DeclaredSpacingMm { get; private init; }

    /// <summary>Median distance between neighbouring slice positions along the slice normal, in mm.</summary>
    public double? MeasuredSpacingMm { get; private init; }

    /// <summary>Pixel Spacing: row spacing then column spacing, in mm.</summary>
    public (double Row, double Column)? PixelSpacingMm { get; private init; }

    /// <summary>Rows of each image.</summary>
    public int? RowCount { get; private init; }

    /// <summary>Columns of each image.</summary>
    public int? ColumnCount { get; private init; }

    /// <summary>Number of slices (data sets) in the series.</summary>
    public int SliceCount { get; private init; }

    /// <summary>Distance from the first to the last slice position along the slice normal, in mm.</summary>
    public double? ZExtentMm { get; private init; }

    /// <summary>True when some neighbouring slices are more than 1.5 times the median spacing apart (a missing slice).</summary>
    public bool HasGaps { get; private init; }

    /// <summary>True when spacing varies by more than 10% of the median, or two slices share a position.</summary>
    public bool HasIrregularSpacing { get; private init; }

    /// <summary>True when not all slices have the orientation of the first (a stack that is not one volume).</summary>
    public bool HasMixedOrientation { get; private init; }

    /// <summary>Acquisition Date and Time of the first slice as written (DA and TM).</summary>
    public string? AcquisitionDateTime { get; private init; }

    /// <summary>Body Part Examined.</summary>
    public string? BodyPart { get; private init; }

    /// <summary>Peak kilovoltage (KVP).</summary>
    public double? KvpValue { get; private init; }

    /// <summary>Summarises the slices of one series (in any order).</summary>
    /// <exception cref="ArgumentException">No data sets were given.</exception>
    public static DicomSeriesSummary Build(IEnumerable<DicomDataset> slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        var list = slices.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("A series summary needs at least one data set.", nameof(slices));
        }

        var first = list[0];
        var orientation = Numbers(first, Tags.ImageOrientationPatient, 6);
        var normal = orientation is null ? null : Cross(orientation[..3], orientation[3..]);
        var positions = normal is null
            ? []
            : list.Select(ds => Numbers(ds, Tags.ImagePositionPatient, 3)).Where(p => p is not null).Select(p => Dot(p!, normal)).Order().ToList();
        var gaps = positions.Zip(positions.Skip(1), (a, b) => b - a).ToList();
        double? median = gaps.Count > 0 ? gaps.Order().ElementAt(gaps.Count / 2) : null;
        var mixed = orientation is not null && list.Any(ds => Numbers(ds, Tags.ImageOrientationPatient, 6) is not { } o
            || o.Zip(orientation).Any(p => Math.Abs(p.First - p.Second) > 1e-3));

        var date = first.GetString(Tags.AcquisitionDate);
        var time = first.GetString(Tags.AcquisitionTime);
        return new DicomSeriesSummary
        {
            SeriesInstanceUid = first.GetString(Tags.SeriesInstanceUid),
            ModalityName = first.GetString(Tags.Modality),
            ManufacturerName = first.GetString(Tags.Manufacturer),
            Model = first.GetString(Tags.ManufacturerModelName),
            SerialNumber = first.GetString(Tags.DeviceSerialNumber),
            Station = first.GetString(Tags.StationName),
            SliceThicknessMm = Number(first, Tags.SliceThickness),
            DeclaredSpacingMm = Number(first, Tags.SpacingBetweenSlices),
            MeasuredSpacingMm = median,
            PixelSpacingMm = Numbers(first, Tags.PixelSpacing, 2) is { } ps ? (ps[0], ps[1]) : null,
            RowCount = (int?)Number(first, Tags.Rows),
            ColumnCount = (int?)Number(first, Tags.Columns),
            SliceCount = list.Count,
            ZExtentMm = positions.Count > 0 ? positions[^1] - positions[0] : null,
            HasGaps = median is > 0 && gaps.Any(g => g > 1.5 * median.Value),
            HasIrregularSpacing = median is not null && gaps.Any(g => g < 1e-3 || Math.Abs(g - median.Value) > Math.Max(0.1 * median.Value, 1e-3)),
            HasMixedOrientation = mixed,
            AcquisitionDateTime = string.IsNullOrEmpty(date) ? null : string.Concat(date, string.IsNullOrEmpty(time) ? "" : " " + time),
            BodyPart = first.GetString(Tags.BodyPartExamined),
            KvpValue = Number(first, Tags.Kvp),
        };
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{ModalityName} {ManufacturerName} {Model}: {SliceCount} x {RowCount}x{ColumnCount}, spacing {MeasuredSpacingMm:0.###} mm, extent {ZExtentMm:0.###} mm");

    private static double? Number(DicomDataset ds, DicomTag tag) => ds.TryGetDouble(tag, 0, out var v) ? v : null;

    private static double[]? Numbers(DicomDataset ds, DicomTag tag, int count)
    {
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            if (!ds.TryGetDouble(tag, i, out values[i]))
            {
                return null;
            }
        }

        return values;
    }

    private static double[] Cross(double[] a, double[] b) =>
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

    private static double Dot(double[] a, double[] b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

    /// <summary>The attributes read, from PS3.6.</summary>
    private static class Tags
    {
        public static readonly DicomTag Modality = new(0x0008, 0x0060);
        public static readonly DicomTag Manufacturer = new(0x0008, 0x0070);
        public static readonly DicomTag ManufacturerModelName = new(0x0008, 0x1090);
        public static readonly DicomTag DeviceSerialNumber = new(0x0018, 0x1000);
        public static readonly DicomTag StationName = new(0x0008, 0x1010);
        public static readonly DicomTag SeriesInstanceUid = new(0x0020, 0x000E);
        public static readonly DicomTag SliceThickness = new(0x0018, 0x0050);
        public static readonly DicomTag SpacingBetweenSlices = new(0x0018, 0x0088);
        public static readonly DicomTag PixelSpacing = new(0x0028, 0x0030);
        public static readonly DicomTag Rows = new(0x0028, 0x0010);
        public static readonly DicomTag Columns = new(0x0028, 0x0011);
        public static readonly DicomTag ImagePositionPatient = new(0x0020, 0x0032);
        public static readonly DicomTag ImageOrientationPatient = new(0x0020, 0x0037);
        public static readonly DicomTag AcquisitionDate = new(0x0008, 0x0022);
        public static readonly DicomTag AcquisitionTime = new(0x0008, 0x0032);
        public static readonly DicomTag BodyPartExamined = new(0x0018, 0x0015);
        public static readonly DicomTag Kvp = new(0x0018, 0x0060);
    }
}
