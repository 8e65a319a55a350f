using Microsoft.Extensions.Options;

namespace Trabecula.Server.Infrastructure.Hosting;

/// <summary>Where and how Kestrel listens. Bound from the "Server" section.</summary>
public sealed class ServerOptions
{
    public const string SectionName = "Server";

    /// <summary>Address to bind. Loopback by default: exposing the platform is a deliberate act.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Plain HTTP port. With a certificate it only redirects to HTTPS.</summary>
    public int Port { get; set; } = 5080;

    /// <summary>HTTPS port, used when <see cref="CertificatePath"/> is set.</summary>
    public int HttpsPort { get; set; } = 5443;

    /// <summary>PFX/PKCS#12 or PEM certificate file; enables HTTPS and HSTS.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of the certificate file, if any (environment variable, never appsettings).</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Largest request body accepted by default; upload endpoints set their own.</summary>
    public long MaxRequestBodyBytes { get; set; } = 30L * 1024 * 1024;

    public bool HttpsEnabled => !string.IsNullOrWhiteSpace(CertificatePath);
}

internal sealed class ServerOptionsValidator : IValidateOptions<ServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerOptions options)
    {
        var errors = new List<string>();
        if (options.Port is < 1 or > 65535)
        {
            errors.Add($"Server:Port must be between 1 and 65535 (got {options.Port}).");
        }

        if (options.HttpsPort is < 1 or > 65535)
        {
            errors.Add($"Server:HttpsPort must be between 1 and 65535 (got {options.HttpsPort}).");
        }

        if (options.HttpsEnabled && options.HttpsPort == options.Port)
        {
            errors.Add("Server:HttpsPort must differ from Server:Port.");
        }

        if (string.IsNullOrWhiteSpace(options.Host))
        {
            errors.Add("Server:Host must be an address such as 127.0.0.1, ::1, localhost or 0.0.0.0.");
        }

        if (options.HttpsEnabled && !File.Exists(options.CertificatePath))
        {
            errors.Add($"Server:CertificatePath points to '{options.CertificatePath}', which does not exist.");
        }

        if (options.MaxRequestBodyBytes < 1024)
        {
            errors.Add($"Server:MaxRequestBodyBytes must be at least 1024 (got {options.MaxRequestBodyBytes}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
