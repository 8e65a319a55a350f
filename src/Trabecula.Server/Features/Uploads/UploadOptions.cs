using Microsoft.Extensions.Options;

namespace Trabecula.Server.Features.Uploads;

/// <summary>The "Uploads" section: size, per-user quota and expiry of resumable uploads.</summary>
public sealed class UploadOptions
{
    public const string SectionName = "Uploads";

    /// <summary>The largest upload (Tus-Max-Size); bigger ones get 413 before a byte of body is read.</summary>
    public long MaxBytes { get; set; } = 8L << 30;

    /// <summary>What one person may have in unfinished or unconsumed uploads at once; beyond it 507.</summary>
    public long QuotaBytesPerUser { get; set; } = 20L << 30;

    /// <summary>An upload not finished and consumed within this is removed by the sweeper.</summary>
    public int ExpiryMinutes { get; set; } = 24 * 60;

    public int SweepIntervalSeconds { get; set; } = 300;

    /// <summary>
    /// How many bytes the order page's uploader sends per PATCH. Each piece ends in an fsync and a
    /// commit, which cost 10-15 ms plus the flush of the disk's cache on this VM, so bigger pieces are
    /// faster (docs/performance.md: 8 against 64 MiB). A dropped connection costs nothing of a piece:
    /// the browser sends no Upload-Checksum, so what arrived is kept and tus resumes from it. Lower it
    /// behind a proxy that limits request bodies or times out slow ones.
    /// </summary>
    public int BrowserChunkBytes { get; set; } = 64 << 20;
}

internal sealed class UploadOptionsValidator : IValidateOptions<UploadOptions>
{
    public ValidateOptionsResult Validate(string? name, UploadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MaxBytes < 1)
        {
            failures.Add("Uploads:MaxBytes must be positive.");
        }

        if (options.QuotaBytesPerUser < 1)
        {
            failures.Add("Uploads:QuotaBytesPerUser must be positive.");
        }

        if (options.ExpiryMinutes < 1)
        {
            failures.Add("Uploads:ExpiryMinutes must be at least 1.");
        }

        if (options.SweepIntervalSeconds < 1)
        {
            failures.Add("Uploads:SweepIntervalSeconds must be at least 1.");
        }

        if (options.BrowserChunkBytes < 1 << 16)
        {
            failures.Add("Uploads:BrowserChunkBytes must be at least 65536.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
