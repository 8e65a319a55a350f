using Microsoft.Extensions.Options;

namespace Trabecula.Server.Features.Audit;

/// <summary>The "Audit" section.</summary>
public sealed class AuditOptions
{
    public const string SectionName = "Audit";

    /// <summary>A signed checkpoint after this many entries.</summary>
    public int CheckpointEveryEntries { get; set; } = 1000;

    /// <summary>A signed checkpoint when this many minutes passed since the last one and entries were added.</summary>
    public int CheckpointEveryMinutes { get; set; } = 10;

    /// <summary>Largest number of queued entries written in one transaction (group commit).</summary>
    public int MaxBatch { get; set; } = 512;
}

internal sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        var errors = new List<string>();
        if (options.CheckpointEveryEntries is < 1 or > 1_000_000)
        {
            errors.Add($"Audit:CheckpointEveryEntries must be between 1 and 1000000 (got {options.CheckpointEveryEntries}).");
        }

        if (options.CheckpointEveryMinutes is < 1 or > 1440)
        {
            errors.Add($"Audit:CheckpointEveryMinutes must be between 1 and 1440 (got {options.CheckpointEveryMinutes}).");
        }

        if (options.MaxBatch is < 1 or > 10_000)
        {
            errors.Add($"Audit:MaxBatch must be between 1 and 10000 (got {options.MaxBatch}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
