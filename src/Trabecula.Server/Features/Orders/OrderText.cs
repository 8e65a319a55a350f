using Microsoft.Extensions.Localization;

namespace Trabecula.Server.Features.Orders;

/// <summary>Display names for configurable values: the resource text when there is one, else the value itself.</summary>
public static class OrderText
{
    /// <summary>A device category's name; deployments may add categories the resources do not know.</summary>
    public static string CategoryName(this IStringLocalizer localizer, string category)
    {
        ArgumentNullException.ThrowIfNull(localizer);
        var text = localizer["Category" + category];
        return text.ResourceNotFound ? category : text.Value;
    }
}
