using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Monitoring;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Hosting;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Accounts;

internal static class AccountsExtensions
{
    public const string SignInRateLimit = "sign-in";

    /// <summary>
    /// ASP.NET Core Identity over the platform's DbContext with the settings R-AUTH-2/3 require:
    /// 12 characters, no composition rules and a common-password check (NIST SP 800-63B),
    /// PBKDF2-HMAC-SHA512 at 210,000 iterations (OWASP's figure for SHA-512); cookie sessions
    /// kept on the server (R-AUTH-4); the fallback authorization policy; the sign-in rate limit.
    /// </summary>
    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<SessionOptions, SessionOptionsValidator>(SessionOptions.SectionName);
        services.AddValidatedOptions<SignInOptions, SignInOptionsValidator>(SignInOptions.SectionName);

        services.AddIdentityCore<TrabeculaUser>(options =>
            {
                options.Password.RequiredLength = 12;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 1;
                options.User.RequireUniqueEmail = false;
                options.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@";

                // Version 3 of the Identity schema adds the passkey table (AspNetUserPasskeys).
                options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
            })
            .AddRoles<IdentityRole<Guid>>()
            .AddEntityFrameworkStores<TrabeculaDbContext>()
            .AddPasswordValidator<CommonPasswordValidator>();
        services.Configure<PasswordHasherOptions>(options => options.IterationCount = 210_000);

        services.AddScoped<TwoFactorService>();
        services.TryAddScoped<IPasskeyHandler<TrabeculaUser>, PasskeyHandler<TrabeculaUser>>();
        services.AddScoped<PasskeyService>();
        services.AddScoped<SignInService>();
        services.AddScoped<SessionRevoker>();
        services.AddScoped<SelfService>();
        services.AddScoped<UsersApi.AdminContext>();
        services.AddScoped<AlertService>();
        services.AddSingleton<SessionCache>();
        services.AddSingleton<DbTicketStore>();

        services.AddAuthentication(CookieSchemes.Session).AddCookie(CookieSchemes.Session);
        services.AddOptions<CookieAuthenticationOptions>(CookieSchemes.Session)
            .Configure<DbTicketStore, IOptions<ServerOptions>, IOptions<SessionOptions>, TimeProvider>((options, store, server, sessions, time) =>
            {
                var https = server.Value.HttpsEnabled;
                options.Cookie.Name = https ? "__Host-trabecula" : "trabecula.session";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = https ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                options.Cookie.Path = "/";
                options.LoginPath = "/account/login";
                options.LogoutPath = "/account/logout";
                options.AccessDeniedPath = "/account/status";
                options.ReturnUrlParameter = "returnUrl";
                options.SessionStore = store;
                options.ExpireTimeSpan = sessions.Value.AbsoluteLifetime;
                options.SlidingExpiration = false;
                options.TimeProvider = time;
                options.Events.OnRedirectToLogin = context => ApiOrRedirect(context, StatusCodes.Status401Unauthorized, "Sign in first.");
                options.Events.OnRedirectToAccessDenied = context => ApiOrRedirect(context, StatusCodes.Status403Forbidden, "You are not allowed to do this.");
            });

        // After the framework's own post-configuration, which creates the Data Protection format this wraps.
        services.AddOptions<CookieAuthenticationOptions>(CookieSchemes.Session)
            .PostConfigure(options => options.TicketDataFormat = new SessionCookieFormat(options.TicketDataFormat));

        services.AddSingleton<IAuthorizationHandler, ActiveAccountRequirement>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AuthorizationAudit>();
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(ActivePolicy())
            .SetDefaultPolicy(ActivePolicy())
            .AddPolicy(Policies.Active, ActivePolicy())
            .AddPolicy(Policies.SignedIn, policy => policy.RequireAuthenticatedUser().RequireClaim(TrabeculaClaimTypes.ActorType, "user"))
            .AddPolicy(Policies.Client, policy => policy.RequireAuthenticatedUser().RequireClaim(TrabeculaClaimTypes.ActorType, "client"))
            .AddPolicy(Policies.ImagingUpload, policy => policy.RequireAuthenticatedUser().AddRequirements(new PersonOrClientScopeRequirement(Clients.ClientScopes.ImagingUpload)))
            .AddPolicy(Policies.PlatformAdmin, policy => policy.Combine(ActivePolicy()).RequireRole(Roles.PlatformAdmin))
            .AddPolicy(Policies.SecurityAdmin, policy => policy.Combine(ActivePolicy()).RequireRole(Roles.SecurityAdmin))
            .AddPolicy(Policies.Auditor, policy => policy.Combine(ActivePolicy()).RequireRole(Roles.Auditor))
            .AddPolicy(Policies.OrganizationAdmin, policy => policy.Combine(ActivePolicy()).RequireRole(Roles.OrgAdmin, Roles.InstitutionAdmin, Roles.PlatformAdmin));

        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(SignInRateLimit, context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<IOptions<SignInOptions>>().Value.RequestsPerMinutePerAddress;
                // Keyed on the connection's address: X-Forwarded-For is not trusted unless a proxy is configured (DOS-01).
                return RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            options.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Type = ProblemTypes.TooManyRequests,
                        Title = "Too many requests",
                        Detail = "Too many sign-in attempts from this address; wait a minute.",
                    },
                });
            };
        });

        return builder;
    }

    /// <summary>Authentication, the sign-in rate limit, API anti-forgery, authorization, form anti-forgery: in that order.</summary>
    public static WebApplication UseAccounts(this WebApplication app)
    {
        app.UseMiddleware<FreshSessionMiddleware>();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseMiddleware<ApiAntiforgeryMiddleware>();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapAccounts(this WebApplication app)
    {
        app.MapAuthApi();
        app.MapMeApi();
        app.MapUsersApi();
        app.MapPasskeyApi();
        return app;
    }

    /// <summary>Creates the fixed roles of <see cref="Roles"/> that are missing. Idempotent.</summary>
    public static async Task EnsureRolesAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var existing = await db.Roles.Select(r => r.Name).ToListAsync(cancellationToken);
        foreach (var name in Roles.All.Except(existing, StringComparer.Ordinal))
        {
            db.Roles.Add(new IdentityRole<Guid>(name!)
            {
                Id = Guid.CreateVersion7(),
                NormalizedName = name!.ToUpperInvariant(),
                ConcurrencyStamp = Guid.NewGuid().ToString(),
            });
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static AuthorizationPolicy ActivePolicy() =>
        new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(new ActiveAccountRequirement()).Build();

    private static Task ApiOrRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> context, int status, string detail)
    {
        if (!RequestPaths.WantsProblemJson(context.HttpContext))
        {
            context.Response.Redirect(context.RedirectUri);
            return Task.CompletedTask;
        }

        context.Response.StatusCode = status;
        return context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context.HttpContext,
            ProblemDetails = new ProblemDetails { Status = status, Type = ProblemTypes.ForStatus(status), Detail = detail },
        }).AsTask();
    }
}
