using Microsoft.Extensions.Options;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>The "Storage" section: where blobs go, which regions may hold them, compression, sweeping.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Which target new blobs are written to: "local" (default) or "s3".</summary>
    public string Target { get; set; } = "local";

    /// <summary>
    /// Regions a target may be in (R-XFER-4): exact names or a prefix with '*'. The default is
    /// mainland China plus the local disk; a target outside stops start-up and every write.
    /// </summary>
    /// <remarks>Null means the default; a default list here would be appended to, not replaced, by the configuration binder.</remarks>
    public IList<string>? AllowedRegions { get; set; }

    public IReadOnlyList<string> EffectiveAllowedRegions => AllowedRegions is { Count: > 0 } configured ? [.. configured] : ["cn-*", "local"];

    /// <summary>
    /// Whether puts that leave compression to the store (<see cref="BlobCompressionMode.Auto"/>) try
    /// deflate at all. On (default): a 256 KiB sample decides, and uncompressed CT shrinks about 2x,
    /// but deflate costs about 6 ms of CPU per 512 KiB slice, more than every other step of a DICOM
    /// ingest together; off trades that disk space for ingest rate (Orthanc's StorageCompression).
    /// </summary>
    public bool AutoCompression { get; set; } = true;

    public LocalStorageOptions Local { get; set; } = new();

    public S3StorageOptions S3 { get; set; } = new();

    /// <summary>Files without a database row and temp files older than this are removed by the sweeper.</summary>
    public int OrphanGraceSeconds { get; set; } = 3600;

    public int SweepIntervalSeconds { get; set; } = 600;

    public static bool IsAllowed(string region, IEnumerable<string> allowed) =>
        allowed.Any(a => a.EndsWith('*')
            ? region.StartsWith(a[..^1], StringComparison.OrdinalIgnoreCase)
            : string.Equals(region, a, StringComparison.OrdinalIgnoreCase));
}

public sealed class LocalStorageOptions
{
    /// <summary>Default: data/blobs.</summary>
    public string? Directory { get; set; }

    /// <summary>The region the machine's disk is in; "local" means the machine the platform runs on.</summary>
    public string Region { get; set; } = "local";
}

public sealed class S3StorageOptions
{
    /// <summary>The endpoint, e.g. https://s3.cn-north-1.amazonaws.com.cn or an in-country object store.</summary>
    public string? ServiceUrl { get; set; }

    public string? Bucket { get; set; }

    public string Region { get; set; } = "cn-north-1";

    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>Path-style addressing (bucket in the path), what most S3-compatible stores need.</summary>
    public bool ForcePathStyle { get; set; } = true;
}

internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var allowed = options.EffectiveAllowedRegions;
        if (allowed.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add("Storage:AllowedRegions must list at least one region (e.g. cn-*, local).");
        }

        switch (options.Target.ToUpperInvariant())
        {
            case "LOCAL":
                if (!StorageOptions.IsAllowed(options.Local.Region, allowed))
                {
                    failures.Add($"Storage:Local:Region '{options.Local.Region}' is outside Storage:AllowedRegions ({string.Join(", ", allowed)}): patient data stays in the country.");
                }

                break;
            case "S3":
                if (string.IsNullOrWhiteSpace(options.S3.ServiceUrl) || !Uri.TryCreate(options.S3.ServiceUrl, UriKind.Absolute, out _))
                {
                    failures.Add("Storage:S3:ServiceUrl must be an absolute URL of the in-country object store.");
                }

                if (string.IsNullOrWhiteSpace(options.S3.Bucket))
                {
                    failures.Add("Storage:S3:Bucket is required.");
                }

                break;
            default:
                failures.Add($"Storage:Target must be 'local' or 's3', not '{options.Target}'.");
                break;
        }

        // A configured S3 target holds (or will hold) patient data whether or not new blobs go there now.
        if ((options.S3.ServiceUrl is { Length: > 0 } || string.Equals(options.Target, "s3", StringComparison.OrdinalIgnoreCase))
            && !StorageOptions.IsAllowed(options.S3.Region, allowed))
        {
            failures.Add($"Storage:S3:Region '{options.S3.Region}' is outside Storage:AllowedRegions ({string.Join(", ", allowed)}): patient data stays in the country.");
        }

        if (options.OrphanGraceSeconds < 1)
        {
            failures.Add("Storage:OrphanGraceSeconds must be at least 1.");
        }

        if (options.SweepIntervalSeconds < 1)
        {
            failures.Add("Storage:SweepIntervalSeconds must be at least 1.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
