namespace Trabecula.Mesh.Tests;

public sealed class LengthUnitTests
{
    [Theory]
    [InlineData("millimeter", 1.0)]
    [InlineData("micron", 0.001)]
    [InlineData("centimeter", 10.0)]
    [InlineData("inch", 25.4)]
    [InlineData("feet", 304.8)]
    [InlineData("meter", 1000.0)]
    [Trait("Requirement", "R-DATA-5")]
    public void TryParse_SpecNames_ConvertToMillimeters(string name, double millimeters)
    {
        Assert.True(LengthUnits.TryParse(name, out var unit));
        Assert.Equal(millimeters, unit.ToMillimeters(), precision: 12);
        Assert.Equal(name, unit.ToFileName());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Millimeter")]
    [InlineData("mm")]
    [InlineData("furlong")]
    public void TryParse_UnknownName_IsRejected(string? name)
    {
        Assert.False(LengthUnits.TryParse(name, out _));
    }

    [Fact]
    public void ToMillimeters_EveryUnitIsPositive()
    {
        foreach (var unit in Enum.GetValues<LengthUnit>())
        {
            Assert.True(unit.ToMillimeters() > 0);
        }
    }
}
