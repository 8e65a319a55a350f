using Microsoft.Extensions.Options;

namespace Trabecula.Server.Features.Orders;

/// <summary>The "Orders" section.</summary>
public sealed class OrderOptions
{
    public const string SectionName = "Orders";

    /// <summary>Device categories an order may name (configurable per deployment).</summary>
    public List<string> DeviceCategories { get; set; } =
        ["CranialPlate", "MandibleImplant", "AcetabularCup", "SpinalCage", "SurgicalGuide", "DentalAligner", "Other"];
}

internal sealed class OrderOptionsValidator : IValidateOptions<OrderOptions>
{
    public ValidateOptionsResult Validate(string? name, OrderOptions options) =>
        options.DeviceCategories is { Count: > 0 } && options.DeviceCategories.All(c => c is { Length: > 0 and <= 64 })
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Orders:DeviceCategories must list at least one category of 1 to 64 characters.");
}
