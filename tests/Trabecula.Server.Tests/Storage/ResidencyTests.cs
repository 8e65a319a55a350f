using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Trabecula.Server.Infrastructure.Keys;
using Trabecula.Server.Infrastructure.Storage;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Storage;

/// <summary>R-XFER-4 / RES-01: a storage target outside the allowed regions stops start-up and every write.</summary>
public sealed class ResidencyTests
{
    [Theory]
    [Trait("Requirement", "R-XFER-4")]
    [Trait("TestPlan", "RES-01")]
    [InlineData("Storage__Local__Region=us-east-1", "Storage:Local:Region")]
    [InlineData("Storage__Target=s3;Storage__S3__Region=eu-west-1;Storage__S3__ServiceUrl=http://127.0.0.1:9;Storage__S3__Bucket=b", "Storage:S3:Region")]
    [InlineData("Storage__AllowedRegions__0=cn-north-1;Storage__Local__Region=cn-northwest-1", "Storage:Local:Region")]
    [InlineData("Storage__Target=azure", "Storage:Target")]
    public async Task Serve_TargetOutsideTheAllowedRegions_RefusesToStart_WithOneLineNamingTheSetting(string variables, string setting)
    {
        using var data = new TempDirectory();
        var environment = variables.Split(';').Select(v => v.Split('=', 2)).ToDictionary(p => p[0], p => (string?)p[1]);

        var result = await ServerProcess.RunCliAsync(["serve", "--data", data.Path, "--urls", "http://127.0.0.1:0"], environment);

        Assert.Equal(78, result.ExitCode);
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(setting, lines[0], StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(data.Path, "blobs")));
    }

    [Fact]
    [Trait("Requirement", "R-XFER-4")]
    [Trait("TestPlan", "RES-01")]
    public async Task Put_ToATargetOutsideTheAllowList_IsRefusedBeforeAnyByteIsWritten()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        _ = factory.Server;
        var services = factory.Services;
        using var outside = new TempDirectory();

        // The same store over a real folder declared to be abroad (as if the allow-list had been narrowed after start).
        var abroad = new LocalBlobTarget(services.GetRequiredService<DataDirectory>(), Options.Create(new StorageOptions { Local = { Directory = outside.Path, Region = "eu-central-1" } }));
        var store = new EnvelopeBlobStore(new BlobTargets([abroad], Options.Create(new StorageOptions())), services.GetRequiredService<KeyRing>(), services.GetRequiredService<IServiceScopeFactory>(),
            [], Options.Create(new StorageOptions()), TimeProvider.System);

        var refused = await Assert.ThrowsAsync<BlobResidencyException>(() => store.PutAsync("患者 data"u8.ToArray()));
        Assert.Contains("eu-central-1", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(outside.Path));

        // The configured (local) target takes the same bytes.
        var stored = await services.GetRequiredService<IBlobStore>().PutAsync("患者 data"u8.ToArray());
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount("患者 data"), stored.Length);
    }
}
