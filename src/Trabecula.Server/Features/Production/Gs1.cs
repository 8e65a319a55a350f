using System.Globalization;
using System.Text;

namespace Trabecula.Server.Features.Production;

/// <summary>The production identifier of one device (GS1 AIs 11, 17, 10, 21) beside its UDI-DI (AI 01).</summary>
public sealed record UdiParts(string Gtin, DateOnly? ManufacturedOn, DateOnly? ExpiresOn, string? Lot, string? Serial);

/// <summary>
/// GS1 General Specifications, the parts a UDI needs: the GTIN check digit (mod 10, weights 3/1
/// from the right), the element string in its human-readable form "(01)...(11)...(17)...(10)...(21)..."
/// and in its encoded form, where the fixed-length AIs come first and a variable-length field that
/// is not last ends with the group separator (ASCII 29, what FNC1 becomes after scanning).
/// </summary>
public static class Gs1
{
    /// <summary>ASCII 29, the separator after a variable-length field (FNC1 in the symbol).</summary>
    public const char GroupSeparator = '\u001D';

    /// <summary>AI 10 and 21 hold up to 20 characters of GS1's character set 82; we allow its safe subset.</summary>
    public const int MaxVariableLength = 20;

    public static int CheckDigit(ReadOnlySpan<char> digitsWithoutCheck)
    {
        var sum = 0;
        for (var i = 0; i < digitsWithoutCheck.Length; i++)
        {
            var digit = digitsWithoutCheck[digitsWithoutCheck.Length - 1 - i] - '0';
            sum += i % 2 == 0 ? digit * 3 : digit;
        }

        return (10 - (sum % 10)) % 10;
    }

    /// <summary>True for 14 digits whose last is the check digit of the other 13.</summary>
    public static bool IsValidGtin14(string? gtin) =>
        gtin is { Length: 14 } && gtin.All(char.IsAsciiDigit) && CheckDigit(gtin.AsSpan(0, 13)) == gtin[13] - '0';

    /// <summary>Letters, digits and - . / _ : the part of character set 82 every scanner and keyboard wedge passes through unchanged.</summary>
    public static bool IsValidVariableField(string? value) =>
        value is { Length: > 0 and <= MaxVariableLength } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '/' or '_');

    public static string HumanReadable(UdiParts udi)
    {
        ArgumentNullException.ThrowIfNull(udi);
        var text = new StringBuilder().Append("(01)").Append(udi.Gtin);
        if (udi.ManufacturedOn is { } made)
        {
            text.Append("(11)").Append(Date(made));
        }

        if (udi.ExpiresOn is { } expires)
        {
            text.Append("(17)").Append(Date(expires));
        }

        if (udi.Lot is { } lot)
        {
            text.Append("(10)").Append(lot);
        }

        if (udi.Serial is { } serial)
        {
            text.Append("(21)").Append(serial);
        }

        return text.ToString();
    }

    /// <summary>The data a GS1 QR code or DataMatrix carries (after its leading FNC1), with GS after a variable field that is not last.</summary>
    public static string Encoded(UdiParts udi)
    {
        ArgumentNullException.ThrowIfNull(udi);
        var text = new StringBuilder().Append("01").Append(udi.Gtin);
        if (udi.ManufacturedOn is { } made)
        {
            text.Append("11").Append(Date(made));
        }

        if (udi.ExpiresOn is { } expires)
        {
            text.Append("17").Append(Date(expires));
        }

        if (udi.Lot is { } lot)
        {
            text.Append("10").Append(lot);
            if (udi.Serial is not null)
            {
                text.Append(GroupSeparator);
            }
        }

        if (udi.Serial is { } serial)
        {
            text.Append("21").Append(serial);
        }

        return text.ToString();
    }

    /// <summary>
    /// Reads what a scanner or a person gives: the human-readable form with brackets, or the
    /// encoded form with GS separators (optionally behind a "]Q3"/"]d2" symbology identifier).
    /// Null when it is neither.
    /// </summary>
    public static UdiParts? TryParse(string? input)
    {
        if (string.IsNullOrWhiteSpace(input))
        {
            return null;
        }

        var text = input.Trim();
        if (text.StartsWith("]Q3", StringComparison.Ordinal) || text.StartsWith("]d2", StringComparison.Ordinal))
        {
            text = text[3..];
        }

        var fields = text.StartsWith('(') ? SplitBracketed(text) : SplitEncoded(text);
        if (fields is null || !fields.TryGetValue("01", out var gtin) || !IsValidGtin14(gtin))
        {
            return null;
        }

        DateOnly? made = null, expires = null;
        if (fields.TryGetValue("11", out var m))
        {
            if (ParseDate(m) is not { } d)
            {
                return null;
            }

            made = d;
        }

        if (fields.TryGetValue("17", out var e))
        {
            if (ParseDate(e) is not { } d)
            {
                return null;
            }

            expires = d;
        }

        var lot = fields.GetValueOrDefault("10");
        var serial = fields.GetValueOrDefault("21");
        if ((lot is not null && !IsValidVariableField(lot)) || (serial is not null && !IsValidVariableField(serial)))
        {
            return null;
        }

        return new UdiParts(gtin, made, expires, lot, serial);
    }

    private static Dictionary<string, string>? SplitBracketed(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] != '(')
            {
                return null;
            }

            var close = text.IndexOf(')', i);
            if (close < 0)
            {
                return null;
            }

            var ai = text[(i + 1)..close];
            if (ai is not ("01" or "11" or "17" or "10" or "21"))
            {
                return null;
            }

            var next = text.IndexOf('(', close);
            var value = next < 0 ? text[(close + 1)..] : text[(close + 1)..next];
            if (!fields.TryAdd(ai, value))
            {
                return null;
            }

            i = next < 0 ? text.Length : next;
        }

        return fields;
    }

    private static Dictionary<string, string>? SplitEncoded(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == GroupSeparator)
            {
                i++;
                continue;
            }

            if (i + 2 > text.Length)
            {
                return null;
            }

            var ai = text.Substring(i, 2);
            i += 2;
            int length;
            switch (ai)
            {
                case "01":
                    length = 14;
                    break;
                case "11" or "17":
                    length = 6;
                    break;
                case "10" or "21":
                    var end = text.IndexOf(GroupSeparator, i);
                    length = (end < 0 ? text.Length : end) - i;
                    break;
                default:
                    return null;
            }

            if (i + length > text.Length || !fields.TryAdd(ai, text.Substring(i, length)))
            {
                return null;
            }

            i += length;
        }

        return fields;
    }

    private static string Date(DateOnly date) => date.ToString("yyMMdd", CultureInfo.InvariantCulture);

    private static DateOnly? ParseDate(string value) =>
        value.Length == 6 && DateOnly.TryParseExact(value, "yyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;
}
