using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Clients;
using Trabecula.Server.Tests.Accounts;
using Trabecula.Server.Tests.Designs;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Transfer;

/// <summary>
/// R-XFER-2 encrypt/decrypt: the released package exported for one printer workstation and opened
/// by `trabecula package decrypt` on its key only; a wrong key, a flipped byte in ciphertext or
/// manifest, a cut file each fail with a clear message, their exit code and no output file.
/// </summary>
public sealed class PackageExportTests
{
    public static TheoryData<DatabaseKind> Databases => new() { DatabaseKind.Sqlite, DatabaseKind.PostgreSql };

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-XFER-2")]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("Requirement", "R-AUTH-5")]
    [Trait("TestPlan", "AZ-04")]
    public async Task ReleasedPackage_ExportedForOneWorkstation_OpensOnlyWithItsKey_AndEveryAlterationFails(DatabaseKind kind)
    {
        await using var world = await DesignFlow.CreateWorldAsync(kind);
        var id = await DesignFlow.OrderInDesigningAsync(world);
        var released = await DesignFlow.ApproveAndReleaseAsync(world, id);
        var packageId = (string)released["id"]!;
        using var work = new TempDirectory();

        // Two workstations of the factory, each with its own key pair made by the CLI; the admin registers the public halves.
        using var admin = await MfaHelper.NewUserSignedInAsync(world.Factory, "plant.admin", Roles.OrgAdmin, world.Plant);
        var clients = new List<string>();
        foreach (var name in new[] { "a", "b" })
        {
            using var registered = await admin.PostAsJsonAsync($"/api/organizations/{world.Plant.Id}/clients", new { name = $"Printer {name}", scopes = new[] { ClientScopes.OrdersRead } });
            clients.Add((string)JsonNode.Parse(await registered.Content.ReadAsStringAsync())!["client"]!["id"]!);
            var keygen = await ServerProcess.RunCliAsync(["package", "keygen", "--out", work.Combine($"{name}.key")]);
            Assert.True(keygen.ExitCode == 0, keygen.StandardError);
            using var key = await admin.PutAsJsonAsync($"/api/clients/{clients[^1]}/transfer-key", new { publicKeyPem = await File.ReadAllTextAsync(work.Combine($"{name}.key.pub")) });
            Assert.Equal(HttpStatusCode.OK, key.StatusCode);
            Assert.Contains((string)JsonNode.Parse(await key.Content.ReadAsStringAsync())!["keyId"]!, keygen.StandardOutput, StringComparison.Ordinal);
        }

        using (var notAKey = await admin.PutAsJsonAsync($"/api/clients/{clients[0]}/transfer-key", new { publicKeyPem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notAKey.StatusCode);
        }

        Assert.Equal(2, JsonNode.Parse(await world.Operator.GetStringAsync(new Uri($"/api/orders/{id}/exports/recipients", UriKind.Relative)))!.AsArray().Count);

        // The page offers the operator the package and both workstations; the designer no export at all.
        var page = await world.Operator.GetStringAsync(new Uri($"/orders/{id}/shares", UriKind.Relative));
        Assert.Contains($"export-ProductionPackage-{packageId}", page, StringComparison.Ordinal);
        Assert.All(clients, c => Assert.Contains($"value=\"{c}\"", page, StringComparison.Ordinal));
        Assert.DoesNotContain("export-form", await world.Designer.GetStringAsync(new Uri($"/orders/{id}/shares", UriKind.Relative)), StringComparison.Ordinal);

        // The designer may not export the package (no Download or Encrypt cell); an unknown client is refused.
        using (var byDesigner = await ExportAsync(world.Designer, id, "ProductionPackage", packageId, clients[0]))
        {
            Assert.Equal(HttpStatusCode.Forbidden, byDesigner.StatusCode);
        }

        using (var unknown = await ExportAsync(world.Operator, id, "ProductionPackage", packageId, Guid.NewGuid().ToString()))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        }

        using var exported = await ExportAsync(world.Operator, id, "ProductionPackage", packageId, clients[0]);
        Assert.Equal(HttpStatusCode.OK, exported.StatusCode);
        Assert.Equal("application/vnd.trabecula.transfer-package", exported.Content.Headers.ContentType?.MediaType);
        var package = await exported.Content.ReadAsByteArrayAsync();
        var path = work.Combine("plate.trbpkg");
        await File.WriteAllBytesAsync(path, package);
        var signer = JsonNode.Parse(await world.Operator.GetStringAsync(new Uri("/api/signatures/public-key", UriKind.Relative)))!;
        var signerPath = work.Combine("platform.pem");
        await File.WriteAllTextAsync(signerPath, (string)signer["publicKeyPem"]!);

        // Round trip on workstation a: the zip holds what the factory downloads (same entries, same bytes).
        var output = work.Combine("out.zip");
        var opened = await ServerProcess.RunCliAsync(["package", "decrypt", path, "--key", work.Combine("a.key"), "--out", output, "--signer", signerPath]);
        Assert.True(opened.ExitCode == 0, opened.StandardError);
        Assert.Contains((string)signer["keyId"]!, opened.StandardOutput, StringComparison.Ordinal);
        var direct = await world.Operator.GetByteArrayAsync(new Uri($"/api/orders/{id}/design/package", UriKind.Relative));
        Assert.Equal(Entries(direct), Entries(await File.ReadAllBytesAsync(output)));
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(output))), opened.StandardOutput, StringComparison.Ordinal);

        // Workstation b's key: not for it (exit 3).
        await FailsAsync(work, path, "b.key", signerPath, 3, "not for key");

        // One flipped byte in the ciphertext (just before the 2 + 64 signature bytes), one in the manifest, a cut file: exit 1.
        var ciphertextFlip = (byte[])package.Clone();
        ciphertextFlip[^100] ^= 0x01;
        await File.WriteAllBytesAsync(path, ciphertextFlip);
        await FailsAsync(work, path, "a.key", signerPath, 1, "signature does not verify");

        var manifestFlip = (byte[])package.Clone();
        var sha = System.Text.Encoding.UTF8.GetBytes("\"sha256\":\"");
        var at = package.AsSpan().IndexOf(sha) + sha.Length;
        manifestFlip[at] = (byte)(manifestFlip[at] == (byte)'0' ? '1' : '0');
        await File.WriteAllBytesAsync(path, manifestFlip);
        await FailsAsync(work, path, "a.key", signerPath, 1, "signature does not verify");

        await File.WriteAllBytesAsync(path, package[..(package.Length / 2)]);
        await FailsAsync(work, path, "a.key", signerPath, 1, "truncated");

        // The audit: two keys registered, one export with the key id and both hashes, the refusals.
        Assert.Equal(2, (await SignInTests.AuditAsync(world.Factory, AuditAction.ClientTransferKeyRegistered)).Count);
        var exports = await SignInTests.AuditAsync(world.Factory, AuditAction.PackageExported);
        var success = Assert.Single(exports, e => e.Outcome == AuditOutcome.Success);
        Assert.Equal("operator", success.ActorName);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(package)), success.Details, StringComparison.Ordinal);
        Assert.Equal(2, exports.Count(e => e.Outcome == AuditOutcome.Denied));
    }

    [Theory]
    [MemberData(nameof(Databases))]
    [Trait("Requirement", "R-XFER-2")]
    [Trait("Requirement", "R-DATA-6")]
    [Trait("TestPlan", "AZ-04")]
    public async Task IdentifiedOriginal_IsNeverExported_ToTheManufacturersWorkstation(DatabaseKind kind)
    {
        await using var world = await DesignFlow.CreateWorldAsync(kind);
        var id = await DesignFlow.OrderInDesigningAsync(world);
        using var work = new TempDirectory();
        using var admin = await MfaHelper.NewUserSignedInAsync(world.Factory, "plant.admin", Roles.OrgAdmin, world.Plant);
        using var registered = await admin.PostAsJsonAsync($"/api/organizations/{world.Plant.Id}/clients", new { name = "Printer", scopes = new[] { ClientScopes.OrdersRead } });
        var client = (string)JsonNode.Parse(await registered.Content.ReadAsStringAsync())!["client"]!["id"]!;
        using (var ecdh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256))
        {
            using var key = await admin.PutAsJsonAsync($"/api/clients/{client}/transfer-key", new { publicKeyPem = ecdh.ExportSubjectPublicKeyInfoPem() });
            Assert.Equal(HttpStatusCode.OK, key.StatusCode);
        }

        var datasets = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders/{id}/datasets", UriKind.Relative)))!.AsArray();
        var instanceId = (string)datasets[0]!["instances"]!.AsArray()[0]!;

        // The physician holds Download and Encrypt on the original (docs/policy.csv), but the original never leaves the institution.
        using var refused = await ExportAsync(world.Physician, id, "DicomInstance", instanceId, client);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Single(await SignInTests.AuditAsync(world.Factory, AuditAction.PackageExported), e => e.Outcome == AuditOutcome.Denied && e.Details!.Contains("data-class", StringComparison.Ordinal));
    }

    private static Task<HttpResponseMessage> ExportAsync(HttpClient client, string orderId, string artifactKind, string artifactId, string clientId) =>
        client.PostAsJsonAsync($"/api/orders/{orderId}/exports", new { artifactKind, artifactId, clientId });

    private static async Task FailsAsync(TempDirectory work, string package, string key, string signer, int exitCode, string message)
    {
        var output = work.Combine("refused.out");
        var result = await ServerProcess.RunCliAsync(["package", "decrypt", package, "--key", work.Combine(key), "--out", output, "--signer", signer]);
        Assert.True(result.ExitCode == exitCode, $"exit {result.ExitCode}: {result.StandardError}");
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(work.Path, "refused.out*"));
    }

    private static List<(string Name, string Sha256)> Entries(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return [.. archive.Entries.Select(e =>
        {
            using var stream = e.Open();
            return (e.FullName, Convert.ToHexStringLower(SHA256.HashData(stream)));
        })];
    }
}
