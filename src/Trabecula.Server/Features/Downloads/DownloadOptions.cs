using Microsoft.Extensions.Options;

namespace Trabecula.Server.Features.Downloads;

/// <summary>The "Downloads" section: how long a download link stays valid.</summary>
public sealed class DownloadOptions
{
    public const string SectionName = "Downloads";

    /// <summary>A link is for the download that was asked for now, not a bookmark: one minute by default.</summary>
    public int LinkLifetimeSeconds { get; set; } = 60;
}

internal sealed class DownloadOptionsValidator : IValidateOptions<DownloadOptions>
{
    public ValidateOptionsResult Validate(string? name, DownloadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.LinkLifetimeSeconds is >= 1 and <= 3600
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Downloads:LinkLifetimeSeconds must be between 1 and 3600.");
    }
}
