using Microsoft.Extensions.Options;

namespace Trabecula.Server.Features.Orders;

/// <summary>The "Orders" section.</summary>
public sealed class OrderOptions
{
    public const string SectionName = "Orders";

    /// <summary>Device categories an order may name (configurable per deployment).</summary>
    public List<string> DeviceCategories { get; set; } =
        ["CranialPlate", "MandibleImplant", "AcetabularCup", "SpinalCage", "SurgicalGuide", "DentalAligner", "Other"];

    /// <summary>
    /// How long an answer of the order list API may be reused (<see cref="OrderListCache"/>). A save on
    /// this instance ends it at once; this bounds only what another instance wrote. 0 turns the cache off.
    /// </summary>
    public int ListCacheSeconds { get; set; } = 5;
}

internal sealed class OrderOptionsValidator : IValidateOptions<OrderOptions>
{
    public ValidateOptionsResult Validate(string? name, OrderOptions options)
    {
        if (options.DeviceCategories is not { Count: > 0 } || !options.DeviceCategories.All(c => c is { Length: > 0 and <= 64 }))
        {
            return ValidateOptionsResult.Fail("Orders:DeviceCategories must list at least one category of 1 to 64 characters.");
        }

        return options.ListCacheSeconds is >= 0 and <= 300
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Orders:ListCacheSeconds must be between 0 (off) and 300.");
    }
}
