using Microsoft.Extensions.Options;

namespace Trabecula.Server.Features.Transfer;

/// <summary>The "Shares" section.</summary>
public sealed class ShareOptions
{
    public const string SectionName = "Shares";

    /// <summary>The validity a share gets when the sharer names none.</summary>
    public int DefaultHours { get; set; } = 24;

    /// <summary>The longest a share may be valid; a longer request is refused, not shortened.</summary>
    public int MaxHours { get; set; } = 168;
}

internal sealed class ShareOptionsValidator : IValidateOptions<ShareOptions>
{
    public ValidateOptionsResult Validate(string? name, ShareOptions options) =>
        options.MaxHours is < 1 or > 720
            ? ValidateOptionsResult.Fail("Shares:MaxHours must be 1..720.")
            : options.DefaultHours < 1 || options.DefaultHours > options.MaxHours
                ? ValidateOptionsResult.Fail("Shares:DefaultHours must be 1..Shares:MaxHours.")
                : ValidateOptionsResult.Success;
}
