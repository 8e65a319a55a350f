namespace Trabecula.Mesh;

/// <summary>
/// The length units a model file may declare. AMF (ISO/ASTM 52915 section 5.2) and 3MF (core
/// specification section 3.4) name the same five; STL declares none and is taken as millimetres.
/// </summary>
public enum LengthUnit
{
    /// <summary>Millimetre, the default of AMF, 3MF and, by convention, STL.</summary>
    Millimeter,

    /// <summary>Micrometre ("micron" in AMF, "micron" in 3MF).</summary>
    Micron,

    /// <summary>Centimetre.</summary>
    Centimeter,

    /// <summary>Inch.</summary>
    Inch,

    /// <summary>Foot ("feet" in AMF and 3MF).</summary>
    Foot,

    /// <summary>Metre.</summary>
    Meter,
}

/// <summary>Conversions between <see cref="LengthUnit"/> values and the names files use.</summary>
public static class LengthUnits
{
    /// <summary>How many millimetres one <paramref name="unit"/> is.</summary>
    public static double ToMillimeters(this LengthUnit unit) => unit switch
    {
        LengthUnit.Millimeter => 1.0,
        LengthUnit.Micron => 0.001,
        LengthUnit.Centimeter => 10.0,
        LengthUnit.Inch => 25.4,
        LengthUnit.Foot => 304.8,
        LengthUnit.Meter => 1000.0,
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "Unknown length unit."),
    };

    /// <summary>The name AMF and 3MF files use for <paramref name="unit"/>.</summary>
    public static string ToFileName(this LengthUnit unit) => unit switch
    {
        LengthUnit.Millimeter => "millimeter",
        LengthUnit.Micron => "micron",
        LengthUnit.Centimeter => "centimeter",
        LengthUnit.Inch => "inch",
        LengthUnit.Foot => "feet",
        LengthUnit.Meter => "meter",
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "Unknown length unit."),
    };

    /// <summary>
    /// Parses a unit name as AMF and 3MF write it. Matching is exact and case-sensitive, as both
    /// schemas define an enumeration; an unknown name returns false rather than guessing.
    /// </summary>
    public static bool TryParse(string? name, out LengthUnit unit)
    {
        switch (name)
        {
            case "millimeter": unit = LengthUnit.Millimeter; return true;
            case "micron": unit = LengthUnit.Micron; return true;
            case "centimeter": unit = LengthUnit.Centimeter; return true;
            case "inch": unit = LengthUnit.Inch; return true;
            case "feet": unit = LengthUnit.Foot; return true;
            case "meter": unit = LengthUnit.Meter; return true;
            default: unit = LengthUnit.Millimeter; return false;
        }
    }
}
