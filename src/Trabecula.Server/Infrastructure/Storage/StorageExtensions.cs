using Trabecula.Server.Infrastructure.Hosting;
using Trabecula.Server.Infrastructure.Keys;

namespace Trabecula.Server.Infrastructure.Storage;

internal static class StorageExtensions
{
    /// <summary>The blob store, its key ring, the configured target, the sweeper and the re-wrap pass.</summary>
    public static IHostApplicationBuilder AddBlobStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<StorageOptions, StorageOptionsValidator>(StorageOptions.SectionName);
        builder.Services.AddSingleton<KeyRing>();
        builder.Services.AddSingleton<LocalBlobTarget>();
        builder.Services.AddSingleton<IBlobTarget>(services => services.GetRequiredService<LocalBlobTarget>());
        if (!string.IsNullOrWhiteSpace(builder.Configuration[$"{StorageOptions.SectionName}:S3:ServiceUrl"]))
        {
            builder.Services.AddSingleton<S3BlobTarget>();
            builder.Services.AddSingleton<IBlobTarget>(services => services.GetRequiredService<S3BlobTarget>());
        }

        builder.Services.AddSingleton<BlobTargets>();
        builder.Services.AddSingleton<IBlobStore, EnvelopeBlobStore>();
        builder.Services.AddSingleton<SealedBlobAdopter>();
        builder.Services.AddSingleton<BlobSweeper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<BlobSweeper>());
        builder.Services.AddSingleton<KeyRewrapper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<KeyRewrapper>());
        return builder;
    }
}
