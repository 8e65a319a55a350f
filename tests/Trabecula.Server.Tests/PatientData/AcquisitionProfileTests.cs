using Trabecula.Server.Features.PatientData;

namespace Trabecula.Server.Tests.PatientData;

/// <summary>Acquisition profiles (R-DATA-2): each way a series falls short is flagged with its reason.</summary>
public sealed class AcquisitionProfileTests
{
    private static readonly AcquisitionProfile Cranial = new() { Modality = "CT", MaxSliceThicknessMm = 1.0, MaxAgeDays = 90 };
    private static readonly DateTime Now = new(2026, 11, 22, 8, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("CT", 0.625, "20261101 093000", false, "")]
    [InlineData("CT", 1.0, "20260824", false, "")]
    [InlineData("MR", 0.625, "20261101", false, "Modality")]
    [InlineData("CT", 1.25, "20261101", false, "SliceThickness")]
    [InlineData("CT", 0.625, "20260823", false, "Expired")]
    [InlineData("CT", 0.625, null, false, "NoAcquisitionDate")]
    [InlineData("CT", 0.625, "20261101", true, "Spacing")]
    [InlineData("MR", 2.0, "20200101", true, "Modality,SliceThickness,Spacing,Expired")]
    [Trait("Requirement", "R-DATA-2")]
    public void Check_FlagsEachShortfall(string modality, double thickness, string? acquired, bool gaps, string expected)
    {
        var series = new SeriesView("1.2.3", modality, "GE", "Revolution", "SN1", "CT01", thickness, null, null, null, 512, 512, 300, 187.0, gaps, false, acquired, "HEAD", 120);

        var flags = AcquisitionProfiles.Check(series, Cranial, Now);

        Assert.Equal(expected, string.Join(",", flags.Select(f => f.Code)));
    }

    [Fact]
    [Trait("Requirement", "R-DATA-2")]
    public void Check_DataExpiresOnItsOwn_AsTheClockMoves()
    {
        var series = new SeriesView("1.2.3", "CT", null, null, null, null, 0.625, null, null, null, 512, 512, 300, 187.0, false, false, "20261101", null, null);

        Assert.Empty(AcquisitionProfiles.Check(series, Cranial, Now));
        Assert.Equal("Expired", Assert.Single(AcquisitionProfiles.Check(series, Cranial, Now.AddDays(70))).Code);
        Assert.Empty(AcquisitionProfiles.Check(series, null, Now.AddDays(70)));
    }
}
