using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Trabecula.Server.Infrastructure.Hosting;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Infrastructure.Keys;

/// <summary>
/// Finds the master key: inline (environment) first, then the configured file, then the default
/// file in the data folder, which is created on first start. Refuses a key file that group or
/// others can read, as ssh refuses a private key with loose permissions.
/// </summary>
internal sealed partial class MasterKeyLoader(
    IOptions<MasterKeyOptions> options,
    IConfiguration configuration,
    DataDirectory dataDirectory,
    ILogger<MasterKeyLoader> logger)
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public MasterKey Load()
    {
        var inline = options.Value.Base64 ?? configuration["TRABECULA_MASTER_KEY"];
        if (!string.IsNullOrWhiteSpace(inline))
        {
            return new MasterKey(Decode(inline, "MasterKey:Base64 (or TRABECULA_MASTER_KEY)"), "environment");
        }

        var configuredFile = options.Value.File ?? configuration["TRABECULA_MASTER_KEY_FILE"];
        if (!string.IsNullOrWhiteSpace(configuredFile))
        {
            var path = Path.GetFullPath(configuredFile);
            if (!File.Exists(path))
            {
                throw new StartupException($"MasterKey:File points to '{path}', which does not exist; create it with 'head -c 32 /dev/urandom | base64 > FILE && chmod 600 FILE' or remove the setting.");
            }

            return ReadKeyFile(path);
        }

        var defaultPath = dataDirectory.PathOf("master.key");
        if (!File.Exists(defaultPath))
        {
            CreateKeyFile(defaultPath);
            LogCreated(logger, defaultPath);
        }

        return ReadKeyFile(defaultPath);
    }

    private static MasterKey ReadKeyFile(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & GroupOrOther) != 0)
            {
                throw new StartupException($"MasterKey:File '{path}' is accessible by group or others (mode {Convert.ToString((int)mode, 8)}); run 'chmod 600 {path}'.");
            }
        }

        var text = File.ReadAllText(path);
        return new MasterKey(Decode(text, $"MasterKey:File '{path}'"), $"file {path}");
    }

    private static void CreateKeyFile(string path)
    {
        var key = RandomNumberGenerator.GetBytes(MasterKey.Length);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        // CreateNew: two processes starting at once cannot both write a different key.
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.WriteLine(Convert.ToBase64String(key));
        writer.Flush();
        stream.Flush(flushToDisk: true);
        CryptographicOperations.ZeroMemory(key);
    }

    private static byte[] Decode(string text, string setting)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new StartupException($"{setting} is not base64; it must hold 32 random bytes in base64.");
        }

        return key.Length == MasterKey.Length
            ? key
            : throw new StartupException($"{setting} holds {key.Length} bytes; it must hold exactly {MasterKey.Length}.");
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning,
        Message = "Created a new master key at {Path}. Keep a copy off this machine: without it the encrypted data cannot be read.")]
    private static partial void LogCreated(ILogger logger, string path);
}
