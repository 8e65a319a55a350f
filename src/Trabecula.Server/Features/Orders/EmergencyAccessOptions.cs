using Microsoft.Extensions.Options;

namespace Trabecula.Server.Features.Orders;

/// <summary>The "EmergencyAccess" section (R-AUTH-6).</summary>
public sealed class EmergencyAccessOptions
{
    public const string SectionName = "EmergencyAccess";

    /// <summary>The window when the request names none (the test plan's 1 h).</summary>
    public int DefaultMinutes { get; set; } = 60;

    /// <summary>The longest window anyone may ask for.</summary>
    public int MaxMinutes { get; set; } = 240;

    /// <summary>
    /// Roles that may open emergency access to any order, even one their organization does not
    /// take part in (a platform-designated break-glass role). Empty by default: only people of
    /// the participating organizations can.
    /// </summary>
    public List<string> PlatformRoles { get; set; } = [];

    /// <summary>How often the expiry sweep closes windows that ran out.</summary>
    public int SweepSeconds { get; set; } = 30;
}

internal sealed class EmergencyAccessOptionsValidator : IValidateOptions<EmergencyAccessOptions>
{
    public ValidateOptionsResult Validate(string? name, EmergencyAccessOptions options)
    {
        if (options.DefaultMinutes is < 1 or > 1440 || options.MaxMinutes < options.DefaultMinutes || options.MaxMinutes > 1440)
        {
            return ValidateOptionsResult.Fail("EmergencyAccess:DefaultMinutes must be 1..1440 and EmergencyAccess:MaxMinutes between it and 1440.");
        }

        if (options.SweepSeconds is < 1 or > 3600)
        {
            return ValidateOptionsResult.Fail("EmergencyAccess:SweepSeconds must be 1..3600.");
        }

        var unknown = options.PlatformRoles.Where(r => !Accounts.Roles.All.Contains(r, StringComparer.Ordinal)).ToList();
        return unknown.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"EmergencyAccess:PlatformRoles names unknown roles: {string.Join(", ", unknown)}.");
    }
}
