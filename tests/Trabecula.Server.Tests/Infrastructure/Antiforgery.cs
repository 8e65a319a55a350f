using System.Text.RegularExpressions;

namespace Trabecula.Server.Tests.Infrastructure;

internal static partial class Antiforgery
{
    /// <summary>The hidden form token a page rendered, as a browser would submit it.</summary>
    public static string FormToken(string html)
    {
        var match = TokenPattern().Match(html);
        return match.Success ? match.Groups[1].Value : throw new Xunit.Sdk.XunitException("No anti-forgery token on the page.");
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
