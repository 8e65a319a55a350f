using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Infrastructure.Hosting;

namespace Trabecula.Server.Features.Production;

internal static class ProductionExtensions
{
    public static IHostApplicationBuilder AddProduction(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ProductionOptions, ProductionOptionsValidator>(ProductionOptions.SectionName);
        builder.Services.AddOptions<ProductionOptions>().PostConfigure<IOptions<OrderOptions>>((options, orders) => ProductionOptions.Defaults(options, orders.Value));
        builder.Services.AddScoped<ProductionRoute>();
        builder.Services.AddTransitionGuard<ProductionCompleteGuard>();

        // The designs feature registers the real source of the released package; this stands in until then.
        builder.Services.TryAddScoped<IReleasedPackageSource, NoReleasedPackageSource>();
        return builder;
    }

    public static WebApplication MapProduction(this WebApplication app)
    {
        app.MapMasterRecordsApi();
        app.MapProductionApi();
        return app;
    }
}
