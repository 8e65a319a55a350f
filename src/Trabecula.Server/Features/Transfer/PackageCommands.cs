using System.CommandLine;
using System.Security.Cryptography;
using Trabecula.Tools;

namespace Trabecula.Server.Features.Transfer;

/// <summary>
/// `trabecula package keygen|decrypt`: the printer workstation's side of an encrypted export,
/// offline, with no server, database or master key. Exit codes: 0 written; 1 the package is not
/// valid (truncated, altered, bad signature, content not matching its hash); 2 usage (missing
/// file, unreadable key, existing output); 3 the package is not for this key. On any failure no
/// output file is left: the plaintext is checked in memory first, then written to a temporary
/// file beside the output and renamed.
/// </summary>
internal static class PackageCommands
{
    public const int InvalidPackage = 1;
    public const int NotForThisKey = 3;

    public static Command Create()
    {
        var package = new Command("package", "Encrypted export packages for a printer workstation: make its key pair, open a package.");
        package.Subcommands.Add(Keygen());
        package.Subcommands.Add(Decrypt());
        return package;
    }

    private static Command Keygen()
    {
        var output = new Option<string>("--out") { Description = "The private key file (PKCS#8 PEM, mode 0600); the public key goes to FILE.pub. Existing files are not overwritten.", Required = true };
        var command = new Command("keygen", "Make the workstation's ECDH P-256 key pair; register FILE.pub on the platform (PUT /api/clients/{id}/transfer-key).") { output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(output)!;
            var publicPath = path + ".pub";
            if (File.Exists(path) || File.Exists(publicPath))
            {
                throw new CliUsageException($"{(File.Exists(path) ? path : publicPath)} exists; keygen never overwrites a key");
            }

            using var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options))
            {
                await writer.WriteAsync(key.ExportPkcs8PrivateKeyPem());
            }

            await File.WriteAllTextAsync(publicPath, key.ExportSubjectPublicKeyInfoPem() + "\n", cancellationToken);
            await Console.Out.WriteLineAsync($"key id {TransferPackage.KeyIdOf(key.ExportSubjectPublicKeyInfo())}: private key {path}, public key {publicPath}");
            return 0;
        });
        return command;
    }

    private static Command Decrypt()
    {
        var packagePath = new Argument<string>("package") { Description = "The .trbpkg file." };
        var keyPath = new Option<string>("--key") { Description = "The workstation's private key (from 'trabecula package keygen').", Required = true };
        var output = new Option<string>("--out") { Description = "Where the plaintext goes; an existing file is not overwritten.", Required = true };
        var signer = new Option<string?>("--signer")
        {
            Description = "The platform's public key (PEM, from /api/signatures/public-key or 'trabecula signatures verify'); without it the key the package names is used and its id printed.",
        };
        var command = new Command("decrypt", "Verify the platform's signature and the content's SHA-256, then write the plaintext.") { packagePath, keyPath, output, signer };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var source = parse.GetValue(packagePath)!;
            var destination = parse.GetValue(output)!;
            if (!File.Exists(source))
            {
                throw new CliUsageException($"{source}: no such file");
            }

            if (File.Exists(destination))
            {
                throw new CliUsageException($"{destination} exists; decrypt never overwrites");
            }

            using var key = ReadPrivateKey(parse.GetValue(keyPath)!);
            var signerPath = parse.GetValue(signer);
            var trusted = signerPath is null ? null : await ReadTextAsync(signerPath, cancellationToken);
            PackageManifest manifest;
            byte[] plaintext;
            try
            {
                (manifest, plaintext) = TransferPackage.Open(await File.ReadAllBytesAsync(source, cancellationToken), key, trusted);
            }
            catch (PackageException ex)
            {
                await Console.Error.WriteLineAsync($"trabecula: {source}: {ex.Message}");
                return ex.NotForThisKey ? NotForThisKey : InvalidPackage;
            }

            var partial = $"{destination}.partial-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
            try
            {
                await File.WriteAllBytesAsync(partial, plaintext, cancellationToken);
                File.Move(partial, destination, overwrite: false);
            }
            finally
            {
                File.Delete(partial);
            }

            await Console.Out.WriteLineAsync(
                $"{destination}: {manifest.Length} bytes, sha256 {manifest.Sha256}; order {manifest.OrderNumber}, {manifest.ArtifactKind} {manifest.FileName}; " +
                $"for client {manifest.RecipientClientId} key {manifest.RecipientKeyId}; signed by platform key {manifest.PlatformKeyId}{(trusted is null ? " (not pinned: pass --signer)" : "")}");
            return 0;
        });
        return command;
    }

    private static ECDiffieHellman ReadPrivateKey(string path)
    {
        var text = File.Exists(path) ? File.ReadAllText(path) : throw new CliUsageException($"{path}: no such key file");
        var key = ECDiffieHellman.Create();
        try
        {
            key.ImportFromPem(text);
            if (key.ExportParameters(includePrivateParameters: true) is not { D: not null } parameters || parameters.Curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
            {
                throw new CliUsageException($"{path}: not an ECDH P-256 private key");
            }

            return key;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            key.Dispose();
            throw new CliUsageException($"{path}: not an ECDH P-256 private key in PEM");
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static async Task<string> ReadTextAsync(string path, CancellationToken cancellationToken) =>
        File.Exists(path) ? await File.ReadAllTextAsync(path, cancellationToken) : throw new CliUsageException($"{path}: no such file");
}
