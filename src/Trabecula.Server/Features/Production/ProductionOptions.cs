using Microsoft.Extensions.Options;
using Trabecula.Server.Features.Orders;

namespace Trabecula.Server.Features.Production;

/// <summary>The production steps of T/CAMDI 028 clause 4, in the order a device passes them.</summary>
public enum ProductionStepKind
{
    DataProcessing,
    Printing,
    PostProcessing,
    Cleaning,
    Disinfection,
    Sterilization,
    Inspection,
    QcRelease,
}

/// <summary>One step of a route: what must be recorded, and whether a quality inspector signs it off.</summary>
public sealed class RouteStep
{
    public ProductionStepKind Kind { get; set; }

    /// <summary>
    /// Fields the step record must carry. "machine", "materialLot" and "sterilizationBatch" mean the
    /// reference to that master record, "attachment" at least one attached file; any other name is a
    /// parameter ("buildJobId", "layerThicknessUm", ...).
    /// </summary>
    public List<string> Required { get; set; } = [];

    public bool QaSignOff { get; set; }
}

/// <summary>What a device category is on the label and in the factory.</summary>
public sealed class DeviceCategoryProduction
{
    /// <summary>The device's name on the label (Chinese or English, as registered).</summary>
    public string DeviceName { get; set; } = "";

    /// <summary>The UDI-DI: a GTIN-14 with its check digit.</summary>
    public string Gtin { get; set; } = "";

    /// <summary>Months from manufacture to expiry (AI 17).</summary>
    public int ShelfLifeMonths { get; set; }

    /// <summary>Months after surgery at which follow-ups are due, ascending; the last is the final one.</summary>
    public List<int> FollowUpMonths { get; set; } = [];

    public List<RouteStep> Route { get; set; } = [];
}

/// <summary>The "Production" section: per device category (Orders:DeviceCategories), its UDI-DI, route and follow-up plan.</summary>
public sealed class ProductionOptions
{
    public const string SectionName = "Production";

    /// <summary>Keyed by device category. A category left out gets the defaults (<see cref="Defaults"/>).</summary>
    public Dictionary<string, DeviceCategoryProduction> Categories { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The route T/CAMDI 028 clause 4 describes, with the fields ISO/ASTM 52920 and ASTM F2971 ask of each step.</summary>
    public static List<RouteStep> DefaultRoute() =>
    [
        new() { Kind = ProductionStepKind.DataProcessing, Required = ["packageSha256", "software", "softwareVersion", "buildPreparation"] },
        new() { Kind = ProductionStepKind.Printing, Required = ["machine", "materialLot", "buildJobId", "layerThicknessUm", "powderReuseCount", "platePosition"] },
        new() { Kind = ProductionStepKind.PostProcessing, Required = ["operations"] },
        new() { Kind = ProductionStepKind.Cleaning, Required = ["method"] },
        new() { Kind = ProductionStepKind.Disinfection, Required = ["agent"] },
        new() { Kind = ProductionStepKind.Sterilization, Required = ["sterilizationBatch"], QaSignOff = true },
        new() { Kind = ProductionStepKind.Inspection, Required = ["dimensional", "visual", "measurements"], QaSignOff = true },
        new() { Kind = ProductionStepKind.QcRelease },
    ];

    /// <summary>Fills what configuration left out: a profile per order category, the default route and follow-up plan.</summary>
    internal static void Defaults(ProductionOptions options, OrderOptions orders)
    {
        var index = 0;
        foreach (var category in orders.DeviceCategories)
        {
            index++;
            if (!options.Categories.TryGetValue(category, out var profile))
            {
                // Demo UDI-DIs under GS1 China's prefix 690: a deployment configures its registered ones.
                var stem = "069012340" + index.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
                profile = new DeviceCategoryProduction { DeviceName = category, Gtin = stem + Gs1.CheckDigit(stem).ToString(System.Globalization.CultureInfo.InvariantCulture) };
                options.Categories[category] = profile;
            }

            if (profile.Route.Count == 0)
            {
                profile.Route = DefaultRoute();
            }

            if (profile.FollowUpMonths.Count == 0)
            {
                profile.FollowUpMonths = [1, 3, 6, 12];
            }

            if (profile.ShelfLifeMonths == 0)
            {
                profile.ShelfLifeMonths = 60;
            }
        }
    }
}

internal sealed class ProductionOptionsValidator(IOptions<OrderOptions> orders) : IValidateOptions<ProductionOptions>
{
    public ValidateOptionsResult Validate(string? name, ProductionOptions options)
    {
        var errors = new List<string>();
        foreach (var (category, profile) in options.Categories)
        {
            var at = $"Production:Categories:{category}";
            if (!orders.Value.DeviceCategories.Contains(category, StringComparer.Ordinal))
            {
                errors.Add($"{at} is not one of Orders:DeviceCategories.");
            }

            if (!Gs1.IsValidGtin14(profile.Gtin))
            {
                errors.Add($"{at}:Gtin must be a GTIN-14 (14 digits) with a valid check digit.");
            }

            if (string.IsNullOrWhiteSpace(profile.DeviceName) || profile.DeviceName.Length > 200)
            {
                errors.Add($"{at}:DeviceName must be 1 to 200 characters.");
            }

            if (profile.ShelfLifeMonths is < 1 or > 600)
            {
                errors.Add($"{at}:ShelfLifeMonths must be 1 to 600.");
            }

            if (profile.FollowUpMonths.Count == 0 || profile.FollowUpMonths.Any(m => m is < 1 or > 240)
                || profile.FollowUpMonths.Zip(profile.FollowUpMonths.Skip(1)).Any(p => p.First >= p.Second))
            {
                errors.Add($"{at}:FollowUpMonths must be ascending months between 1 and 240.");
            }

            if (profile.Route.Count == 0 || profile.Route[^1].Kind != ProductionStepKind.QcRelease)
            {
                errors.Add($"{at}:Route must end with QcRelease.");
            }

            if (profile.Route.Select(s => s.Kind).Distinct().Count() != profile.Route.Count || profile.Route.Any(s => !Enum.IsDefined(s.Kind)))
            {
                errors.Add($"{at}:Route names each step kind at most once.");
            }

            if (profile.Route.SelectMany(s => s.Required).Any(f => string.IsNullOrWhiteSpace(f) || f.Length > 64))
            {
                errors.Add($"{at}:Route field names must be 1 to 64 characters.");
            }

            if (profile.Route.Any(s => s.Required.Contains("sterilizationBatch") && s.Kind != ProductionStepKind.Sterilization))
            {
                errors.Add($"{at}:Route: only the Sterilization step refers to a sterilization batch.");
            }
        }

        var missing = orders.Value.DeviceCategories.Where(c => !options.Categories.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            errors.Add($"Production:Categories lacks {string.Join(", ", missing)}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
