using Trabecula.Server.Features.Production;

namespace Trabecula.Server.Tests.Production;

/// <summary>GS1 check digits and element strings (GS1 General Specifications 7.9, 3.2), against GS1's own published examples.</summary>
public sealed class Gs1Tests
{
    [Theory]
    [Trait("Requirement", "R-TRACE-1")]
    [InlineData("09506000134352", true)]   // GS1's example GTIN in the Digital Link standard
    [InlineData("00614141000012", true)]   // GS1 company prefix 0614141, the General Specifications' examples
    [InlineData("06901234000016", true)]
    [InlineData("06901234000017", false)]  // wrong check digit
    [InlineData("0690123400001", false)]   // 13 digits
    [InlineData("0690123400001A", false)]
    [InlineData(null, false)]
    public void Gtin14_CheckDigit(string? gtin, bool valid) => Assert.Equal(valid, Gs1.IsValidGtin14(gtin));

    [Fact]
    [Trait("Requirement", "R-TRACE-1")]
    public void ElementString_FixedLengthFirst_SeparatorOnlyBetweenVariableFields()
    {
        var udi = new UdiParts("09506000134352", new DateOnly(2026, 12, 1), new DateOnly(2029, 12, 1), "BJ-0412", "TB-2026-000001");

        Assert.Equal("(01)09506000134352(11)261201(17)291201(10)BJ-0412(21)TB-2026-000001", Gs1.HumanReadable(udi));
        Assert.Equal("0109506000134352112612011729120110BJ-0412\u001D21TB-2026-000001", Gs1.Encoded(udi));
        Assert.Equal("0109506000134352112612011729120110BJ-0412", Gs1.Encoded(udi with { Serial = null }));
    }

    [Theory]
    [Trait("Requirement", "R-TRACE-2")]
    [InlineData("(01)09506000134352(11)261201(17)291201(10)BJ-0412(21)TB-2026-000001")]
    [InlineData("0109506000134352112612011729120110BJ-0412\u001D21TB-2026-000001")]
    [InlineData("]Q30109506000134352112612011729120110BJ-0412\u001D21TB-2026-000001")]
    [InlineData("  (01)09506000134352(10)BJ-0412(21)TB-2026-000001(11)261201(17)291201 ")]
    public void Parse_EitherForm_GivesTheSameParts(string scanned)
    {
        var parts = Gs1.TryParse(scanned);

        Assert.NotNull(parts);
        Assert.Equal("09506000134352", parts.Gtin);
        Assert.Equal("TB-2026-000001", parts.Serial);
        Assert.Equal("BJ-0412", parts.Lot);
        Assert.Equal(new DateOnly(2029, 12, 1), parts.ExpiresOn);
    }

    [Theory]
    [Trait("Requirement", "R-TRACE-2")]
    [InlineData("(01)09506000134353(21)TB-2026-000001")]  // check digit
    [InlineData("(01)09506000134352(17)291301(21)X")]     // month 13
    [InlineData("(01)09506000134352(99)X")]               // an AI a UDI does not use
    [InlineData("TB-2026-000001")]                        // no GTIN: not GS1 data (a typed serial)
    [InlineData("010950600013435")]                       // truncated
    [InlineData("")]
    public void Parse_NotAUdi_IsNull(string scanned) => Assert.Null(Gs1.TryParse(scanned));
}
