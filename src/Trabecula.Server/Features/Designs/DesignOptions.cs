using Microsoft.Extensions.Options;

namespace Trabecula.Server.Features.Designs;

/// <summary>The "Designs" section.</summary>
public sealed class DesignOptions
{
    public const string SectionName = "Designs";

    /// <summary>How long a submitted version waits for the institution's decision before the request expires.</summary>
    public int ReviewValidityDays { get; set; } = 7;

    /// <summary>Largest model the surface comparison reads per side (vertices); larger models are sampled evenly.</summary>
    public int CompareMaxVertices { get; set; } = 200_000;
}

internal sealed class DesignOptionsValidator : IValidateOptions<DesignOptions>
{
    public ValidateOptionsResult Validate(string? name, DesignOptions options) =>
        options.ReviewValidityDays is < 1 or > 365
            ? ValidateOptionsResult.Fail("Designs:ReviewValidityDays must be 1..365.")
            : options.CompareMaxVertices is < 1000 or > 10_000_000
                ? ValidateOptionsResult.Fail("Designs:CompareMaxVertices must be 1000..10000000.")
                : ValidateOptionsResult.Success;
}
