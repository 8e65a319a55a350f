using Microsoft.Extensions.DependencyInjection.Extensions;
using Trabecula.Server.Features.Orders;

namespace Trabecula.Server.Features.Traceability;

internal static class TraceabilityExtensions
{
    public static IHostApplicationBuilder AddTraceability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddTransitionGuard<DeliveryReceivedGuard>();
        builder.Services.AddTransitionGuard<SurgicalUseRecordedGuard>();
        builder.Services.AddTransitionGuard<FollowUpCompleteGuard>();

        // The designs feature registers the real design history; this stands in until then.
        builder.Services.TryAddScoped<IDesignHistorySource, NoDesignHistorySource>();
        return builder;
    }

    public static WebApplication MapTraceability(this WebApplication app)
    {
        app.MapAfterFactoryApi();
        app.MapTraceApi();
        return app;
    }
}
