using System.Net;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.Extensions.WebEncoders;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Health;
using Trabecula.Server.Infrastructure.Keys;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Infrastructure.Hosting;

/// <summary>What every Trabecula host has, whatever features it carries.</summary>
internal static class TrabeculaDefaults
{
    public static IHostApplicationBuilder AddTrabeculaDefaults(this WebApplicationBuilder builder)
    {
        var services = builder.Services;

        // Structured JSON logs in UTC, one object a line, for the log shipper.
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(options =>
        {
            options.IncludeScopes = true;
            options.UseUtcTimestamp = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });

        services.TryAddSingleton(TimeProvider.System);

        // Razor's default encoder writes every CJK character as an entity; allow all of Unicode
        // (markup-significant characters are still encoded).
        services.Configure<WebEncoderOptions>(options => options.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));

        services.AddValidatedOptions<ServerOptions, ServerOptionsValidator>(ServerOptions.SectionName);
        services.AddCheckedOptions<DataOptions>(DataOptions.SectionName);
        services.AddSingleton<DataDirectory>();
        services.AddCheckedOptions<MasterKeyOptions>(MasterKeyOptions.SectionName);
        services.AddSingleton<MasterKeyLoader>();
        services.AddSingleton(sp => sp.GetRequiredService<MasterKeyLoader>().Load());

        // Cookie and anti-forgery keys live in the data folder, encrypted under the master key.
        services.AddDataProtection().SetApplicationName("Trabecula");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
        {
            var folder = sp.GetRequiredService<DataDirectory>().EnsureSubdirectory("keys", "data-protection");
            options.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(folder), sp.GetRequiredService<ILoggerFactory>());
            options.XmlEncryptor = new MasterKeyXmlEncryptor(sp.GetRequiredService<MasterKey>());
        }));

        // Registered before AddProblemDetails so that it is asked first.
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonWriter>();
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            // Framework-made problems carry RFC 9110 links; ours carry the stable platform types.
            if (problem.Type is null || problem.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
            {
                problem.Type = ProblemTypes.ForStatus(problem.Status ?? 500);
            }

            problem.Instance ??= context.HttpContext.Request.Path;
            problem.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<ProblemDetailsExceptionHandler>();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(options => options.SerializerOptions.MaxDepth = 32);

        services.AddTrabeculaHealthChecks();
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Trabecula API";
            document.Info.Description = "REST API of the Trabecula platform for patient-specific 3D-printed medical devices. Errors are RFC 9457 problem details.";
            document.Info.Version = Cli.VersionCommand.InformationalVersion.Split('+')[0];
            return Task.CompletedTask;
        }));
        services.AddAntiforgery();
        services.AddOptions<AntiforgeryOptions>().Configure<IOptions<ServerOptions>>((options, server) =>
        {
            // Browsers accept a __Host- cookie only with Secure, so the prefix comes with HTTPS.
            options.Cookie.Name = server.Value.HttpsEnabled ? "__Host-trabecula.af" : "trabecula.af";
            options.Cookie.SecurePolicy = server.Value.HttpsEnabled ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.HttpOnly = true;
            options.HeaderName = "X-CSRF-TOKEN";
        });
        services.AddOptions<HttpsRedirectionOptions>().Configure<IOptions<ServerOptions>>((options, server) =>
        {
            options.HttpsPort = server.Value.HttpsPort;
            options.RedirectStatusCode = StatusCodes.Status308PermanentRedirect;
        });
        services.AddHsts(options =>
        {
            options.MaxAge = TimeSpan.FromDays(365);
            options.IncludeSubDomains = true;
        });

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var server = kestrel.ApplicationServices.GetRequiredService<IOptions<ServerOptions>>().Value;
            ConfigureLimits(kestrel.Limits, server);
            kestrel.AddServerHeader = false;

            // Explicit --urls / ASPNETCORE_URLS win; otherwise listen where the Server section says.
            if (!string.IsNullOrEmpty(context.Configuration[WebHostDefaults.ServerUrlsKey]))
            {
                return;
            }

            var address = server.Host switch
            {
                "localhost" => IPAddress.Loopback,
                "*" or "+" => IPAddress.Any,
                _ => IPAddress.Parse(server.Host),
            };
            kestrel.Listen(address, server.Port);
            if (server.HttpsEnabled)
            {
                var certificate = X509CertificateLoader.LoadPkcs12FromFile(server.CertificatePath!, server.CertificatePassword);
                kestrel.Listen(address, server.HttpsPort, listen =>
                    listen.UseHttps(https =>
                    {
                        https.ServerCertificate = certificate;
                        https.SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13;
                    }));
            }
        });

        return builder;
    }

    private static void ConfigureLimits(KestrelServerLimits limits, ServerOptions server)
    {
        limits.MaxRequestBodySize = server.MaxRequestBodyBytes;
        limits.MaxRequestHeadersTotalSize = 32 * 1024;
        limits.MaxRequestLineSize = 8 * 1024;
        limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
        limits.KeepAliveTimeout = TimeSpan.FromSeconds(60);
        limits.MaxConcurrentConnections = 1000;
        // Slow-body defence (DOS-02): a client must send at least 240 bytes/s after a 5 s grace.
        limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
    }

    public static WebApplication UseTrabeculaDefaults(this WebApplication app)
    {
        var server = app.Services.GetRequiredService<IOptions<ServerOptions>>().Value;

        app.UseExceptionHandler("/error");
        app.UseWhen(RequestPaths.IsApi, api => api.UseStatusCodePages());
        app.UseWhen(context => !RequestPaths.IsApi(context), pages => pages.UseStatusCodePagesWithReExecute("/error", "?code={0}"));
        app.UseMiddleware<SecurityHeadersMiddleware>();
        if (server.HttpsEnabled)
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }

        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
                context.Context.Response.Headers.CacheControl = "public, max-age=3600",
        });
        app.UseRequestLocalization();
        app.UseRouting();

        // Authentication, authorization and anti-forgery follow in UseAccounts().
        return app;
    }

    public static WebApplication MapTrabeculaDefaults(this WebApplication app)
    {
        app.MapTrabeculaHealth();
        app.MapOpenApi().AllowAnonymous();
        return app;
    }
}
