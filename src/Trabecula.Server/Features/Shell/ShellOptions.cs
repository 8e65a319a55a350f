using System.Globalization;
using Microsoft.Extensions.Options;

namespace Trabecula.Server.Features.Shell;

/// <summary>The "Localization" section: which language a visitor sees before choosing one.</summary>
public sealed class ShellOptions
{
    public const string SectionName = "Localization";

    public static readonly IReadOnlyList<string> SupportedCultures = ["zh-CN", "en"];

    /// <summary>zh-CN (Simplified Chinese) by default; "en" for English.</summary>
    public string DefaultCulture { get; set; } = "zh-CN";
}

internal sealed class ShellOptionsValidator : IValidateOptions<ShellOptions>
{
    public ValidateOptionsResult Validate(string? name, ShellOptions options) =>
        ShellOptions.SupportedCultures.Contains(options.DefaultCulture, StringComparer.OrdinalIgnoreCase)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(string.Create(CultureInfo.InvariantCulture,
                $"Localization:DefaultCulture must be one of {string.Join(", ", ShellOptions.SupportedCultures)} (got '{options.DefaultCulture}')."));
}
