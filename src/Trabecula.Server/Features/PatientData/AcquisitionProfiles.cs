using System.Globalization;
using Microsoft.Extensions.Options;

namespace Trabecula.Server.Features.PatientData;

/// <summary>What a device category needs of its imaging (R-DATA-2), e.g. cranial implants: CT, slices of at most 1.0 mm, at most 90 days old.</summary>
public sealed class AcquisitionProfile
{
    public string? Modality { get; set; }

    public double? MaxSliceThicknessMm { get; set; }

    public int? MaxAgeDays { get; set; }

    /// <summary>For optical captures and model scans: the largest accuracy (deviation) in mm the device may declare.</summary>
    public double? MaxScanAccuracyMm { get; set; }
}

/// <summary>The "PatientData" section: acquisition profiles by device category (configurable per deployment).</summary>
public sealed class PatientDataOptions
{
    public const string SectionName = "PatientData";

    public Dictionary<string, AcquisitionProfile> Profiles { get; set; } = new(StringComparer.Ordinal)
    {
        ["CranialPlate"] = new() { Modality = "CT", MaxSliceThicknessMm = 1.0, MaxAgeDays = 90 },
        ["MandibleImplant"] = new() { Modality = "CT", MaxSliceThicknessMm = 1.0, MaxAgeDays = 90 },
        ["AcetabularCup"] = new() { Modality = "CT", MaxSliceThicknessMm = 1.5, MaxAgeDays = 90 },
        ["SpinalCage"] = new() { Modality = "CT", MaxSliceThicknessMm = 1.0, MaxAgeDays = 90 },
        ["SurgicalGuide"] = new() { Modality = "CT", MaxSliceThicknessMm = 1.0, MaxAgeDays = 60 },
        ["DentalAligner"] = new() { MaxScanAccuracyMm = 0.05, MaxAgeDays = 30 },
    };
}

internal sealed class PatientDataOptionsValidator : IValidateOptions<PatientDataOptions>
{
    public ValidateOptionsResult Validate(string? name, PatientDataOptions options)
    {
        var bad = options.Profiles.Where(p => p.Value.MaxSliceThicknessMm is <= 0 or > 20 || p.Value.MaxAgeDays is < 1 or > 3650 || p.Value.MaxScanAccuracyMm is <= 0 or > 10)
            .Select(p => p.Key).ToList();
        return bad.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"PatientData:Profiles for {string.Join(", ", bad)}: MaxSliceThicknessMm must be in (0, 20], MaxAgeDays in 1..3650, MaxScanAccuracyMm in (0, 10].");
    }
}

/// <summary>One way a series falls short of its profile: a stable code (the UI's text) and the facts.</summary>
public sealed record ProfileFlag(string Code, string Detail);

/// <summary>
/// Checks a series against its order's profile. The age is checked against the clock at every
/// look, so data turns "expired" on its own as days pass.
/// </summary>
public static class AcquisitionProfiles
{
    public static IReadOnlyList<ProfileFlag> Check(SeriesView series, AcquisitionProfile? profile, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (profile is null)
        {
            return [];
        }

        var flags = new List<ProfileFlag>();
        if (profile.Modality is { } modality && !string.Equals(series.Modality, modality, StringComparison.OrdinalIgnoreCase))
        {
            flags.Add(new("Modality", $"{series.Modality ?? "?"} ≠ {modality}"));
        }

        if (profile.MaxSliceThicknessMm is { } max && (series.SliceThicknessMm is not { } thickness || thickness > max + 1e-6))
        {
            flags.Add(new("SliceThickness", string.Create(CultureInfo.InvariantCulture, $"{series.SliceThicknessMm?.ToString("0.###", CultureInfo.InvariantCulture) ?? "?"} mm > {max:0.###} mm")));
        }

        if (series.HasGaps || series.HasIrregularSpacing)
        {
            flags.Add(new("Spacing", ""));
        }

        if (profile.MaxAgeDays is { } days)
        {
            var acquired = AcquisitionDate(series.AcquisitionDateTime);
            if (acquired is null)
            {
                flags.Add(new("NoAcquisitionDate", ""));
            }
            else if ((now.Date - acquired.Value).TotalDays > days)
            {
                flags.Add(new("Expired", string.Create(CultureInfo.InvariantCulture, $"{acquired:yyyy-MM-dd} + {days} d")));
            }
        }

        return flags;
    }

    /// <summary>
    /// The same for an optical capture or model scan, from the facts entered by hand: its age
    /// against the clock (so it expires on its own) and the device's declared accuracy.
    /// </summary>
    public static IReadOnlyList<ProfileFlag> CheckHandEntered(AcquisitionView acquisition, AcquisitionProfile? profile, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(acquisition);
        if (profile is null)
        {
            return [];
        }

        var flags = new List<ProfileFlag>();
        if (profile.MaxScanAccuracyMm is { } max && (acquisition.AccuracyMm is not { } accuracy || accuracy > max + 1e-9))
        {
            flags.Add(new("Accuracy", string.Create(CultureInfo.InvariantCulture, $"{acquisition.AccuracyMm?.ToString("0.###", CultureInfo.InvariantCulture) ?? "?"} mm > {max:0.###} mm")));
        }

        if (profile.MaxAgeDays is { } days)
        {
            if (acquisition.AcquiredAt is not { } acquired)
            {
                flags.Add(new("NoAcquisitionDate", ""));
            }
            else if ((now.Date - acquired.Date).TotalDays > days)
            {
                flags.Add(new("Expired", string.Create(CultureInfo.InvariantCulture, $"{acquired:yyyy-MM-dd} + {days} d")));
            }
        }

        return flags;
    }

    private static DateTime? AcquisitionDate(string? value) =>
        value is { Length: >= 8 } && DateTime.TryParseExact(value[..8], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            ? date.Date
            : value is { Length: >= 10 } && DateTime.TryParseExact(value[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var iso)
                ? iso.Date
                : null;
}
