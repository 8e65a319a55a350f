using Trabecula.Dicom.Series;
using Trabecula.Dicom.Tests.TestSupport;

namespace Trabecula.Dicom.Tests.Series;

[Collection(CtSeriesDefinition.Name)]
public sealed class DicomSeriesSummaryTests(CtSeriesFixture fixture)
{
    [Fact]
    public void Build_RegularSeries_GeometryAndEquipment()
    {
        var slices = fixture.Slices.Reverse().Select(p => DicomFile.Open(p, DicomReadOptions.HeaderOnly).Dataset);

        var summary = DicomSeriesSummary.Build(slices);

        Assert.Equal("CT", summary.ModalityName);
        Assert.Equal("GE MEDICAL SYSTEMS", summary.ManufacturerName);
        Assert.Equal("Revolution CT", summary.Model);
        Assert.Equal("CT99887766", summary.SerialNumber);
        Assert.Equal("CTSCAN01", summary.Station);
        Assert.Equal(5, summary.SliceCount);
        Assert.Equal((64, 64), (summary.RowCount, summary.ColumnCount));
        Assert.Equal(6.25, summary.PixelSpacingMm!.Value.Row, 6);
        Assert.Equal(1.25, summary.SliceThicknessMm!.Value, 6);
        Assert.Equal(1.25, summary.DeclaredSpacingMm!.Value, 6);
        Assert.Equal(1.25, summary.MeasuredSpacingMm!.Value, 6);
        Assert.Equal(5.0, summary.ZExtentMm!.Value, 6);
        Assert.False(summary.HasGaps);
        Assert.False(summary.HasIrregularSpacing);
        Assert.False(summary.HasMixedOrientation);
        Assert.Equal("CHEST", summary.BodyPart);
        Assert.Equal(120, summary.KvpValue);
        Assert.StartsWith("2024", summary.AcquisitionDateTime, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MissingSlice_ReportsGapAndIrregularSpacing()
    {
        var slices = fixture.Slices.Where((_, i) => i != 2).Select(p => DicomFile.Open(p, DicomReadOptions.HeaderOnly).Dataset);

        var summary = DicomSeriesSummary.Build(slices);

        Assert.Equal(4, summary.SliceCount);
        Assert.True(summary.HasGaps);
        Assert.True(summary.HasIrregularSpacing);
        Assert.Equal(5.0, summary.ZExtentMm!.Value, 6);
    }

    [Fact]
    public void Build_NoSlices_Throws()
    {
        Assert.Throws<ArgumentException>(() => DicomSeriesSummary.Build([]));
    }
}
