namespace Trabecula.Server.Infrastructure.Keys;

/// <summary>
/// Where the operator supplies the master key that protects every other key. Bound from the
/// "MasterKey" section; TRABECULA_MASTER_KEY and TRABECULA_MASTER_KEY_FILE are accepted as
/// aliases because operators set those in service units.
/// </summary>
public sealed class MasterKeyOptions
{
    public const string SectionName = "MasterKey";

    /// <summary>Path of a key file (32 random bytes, base64, mode 0600). Default: &lt;data&gt;/master.key.</summary>
    public string? File { get; set; }

    /// <summary>The key itself, base64 (32 bytes), typically from an environment variable or secret store.</summary>
    public string? Base64 { get; set; }
}
