using Trabecula.Server.Features.Downloads;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Infrastructure.Hosting;

namespace Trabecula.Server.Features.Designs;

internal static class DesignsExtensions
{
    public static IHostApplicationBuilder AddDesigns(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<DesignOptions, DesignOptionsValidator>(DesignOptions.SectionName);
        builder.Services.AddSingleton<DesignSigner>();
        builder.Services.AddScoped<DesignApprovals>();
        builder.Services.AddScoped<DesignReleases>();

        // Production and traceability read releases and design history through their own
        // interfaces; these are the real sources (their defaults are registered with TryAdd).
        builder.Services.AddScoped<Production.IReleasedPackageSource, ReleasedPackageFromDesigns>();
        builder.Services.AddScoped<Traceability.IDesignHistorySource, DesignHistoryFromDesigns>();
        builder.Services.AddTransitionGuard<DesignSubmittedGuard>();
        builder.Services.AddTransitionGuard<DesignSignedGuard>();
        builder.Services.AddTransitionGuard<DesignChangeRecordedGuard>();
        builder.Services.AddTransitionGuard<PackageReleasedGuard>();
        builder.Services.AddDownloadSource<DesignFileDownloads>();
        return builder;
    }

    public static WebApplication MapDesigns(this WebApplication app)
    {
        app.MapDesignsApi();
        return app;
    }
}
