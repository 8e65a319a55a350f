using Microsoft.AspNetCore.Authentication;
using Trabecula.Server.Features.Accounts;

namespace Trabecula.Server.Features.Clients;

internal static class ClientsExtensions
{
    public const string DefaultScheme = "Trabecula";

    /// <summary>
    /// Bearer authentication for machine clients beside the session cookie for people. Must come
    /// after AddAccounts: it makes the default scheme a selector that sends "Authorization: Bearer"
    /// requests to the client handler and everything else to the cookie.
    /// </summary>
    public static IHostApplicationBuilder AddClients(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ClientTokens>();
        builder.Services.AddAuthentication(DefaultScheme)
            .AddScheme<AuthenticationSchemeOptions, ClientAuthenticationHandler>(ClientAuthenticationHandler.SchemeName, displayName: null, configureOptions: null)
            .AddPolicyScheme(DefaultScheme, "Session cookie or client bearer token", options =>
                options.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                        ? ClientAuthenticationHandler.SchemeName
                        : CookieSchemes.Session);
        return builder;
    }

    public static WebApplication MapClients(this WebApplication app)
    {
        app.MapClientsApi();
        return app;
    }
}
