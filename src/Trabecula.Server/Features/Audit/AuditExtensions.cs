using Trabecula.Server.Infrastructure.Hosting;

namespace Trabecula.Server.Features.Audit;

internal static class AuditExtensions
{
    public static IHostApplicationBuilder AddAudit(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<AuditOptions, AuditOptionsValidator>(AuditOptions.SectionName);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<AuditSigner>();
        builder.Services.AddSingleton<AuditAppender>();
        builder.Services.AddScoped<IAuditLog, AuditLog>();
        builder.Services.AddScoped<AuditVerifier>();
        return builder;
    }

    public static WebApplication MapAudit(this WebApplication app)
    {
        app.MapAuditApi();
        return app;
    }
}
