using Trabecula.Server.Infrastructure.Hosting;

namespace Trabecula.Server.Features.Transfer;

/// <summary>Sharing an artifact with a person of another participating organization, and encrypted export packages for machine clients.</summary>
internal static class TransferExtensions
{
    public static IHostApplicationBuilder AddTransfer(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ShareOptions, ShareOptionsValidator>(ShareOptions.SectionName);
        builder.Services.AddScoped<ArtifactResolver>();
        builder.Services.AddScoped<ShareService>();
        builder.Services.AddScoped<PackageExports>();
        return builder;
    }

    public static WebApplication MapTransfer(this WebApplication app)
    {
        app.MapSharesApi();
        app.MapPackagesApi();
        return app;
    }
}
