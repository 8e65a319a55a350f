using System.Globalization;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Trabecula.Server.Infrastructure.Hosting;

namespace Trabecula.Server.Features.Shell;

/// <summary>The UI shell: Razor Pages under Features/, the layout, and the language switch.</summary>
internal static class ShellExtensions
{
    internal const string CultureCookieName = "trabecula.culture";

    public static IHostApplicationBuilder AddShell(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ShellOptions, ShellOptionsValidator>(ShellOptions.SectionName);
        builder.Services.AddLocalization(options => options.ResourcesPath = "Resources");
        builder.Services.AddRazorPages(options => options.RootDirectory = "/Features");
        builder.Services.AddOptions<RequestLocalizationOptions>().Configure<IOptions<ShellOptions>>((options, shell) =>
        {
            var cultures = ShellOptions.SupportedCultures.Select(CultureInfo.GetCultureInfo).ToList();
            options.SupportedCultures = cultures;
            options.SupportedUICultures = cultures;
            options.DefaultRequestCulture = new RequestCulture(shell.Value.DefaultCulture);
            options.FallBackToParentUICultures = true;
            // The visitor's choice (cookie) wins, then the configured default. Accept-Language is
            // not consulted: the platform's default language is a deployment decision (zh-CN).
            options.RequestCultureProviders = [new CookieRequestCultureProvider { CookieName = CultureCookieName }];
        });
        return builder;
    }

    public static WebApplication MapShell(this WebApplication app)
    {
        app.MapPost("/culture", SetCulture)
            .WithName("SetCulture")
            .WithSummary("Switches the UI language (zh-CN or en) and returns to the page.")
            .WithTags("Shell")
            .AllowAnonymous()
            .ExcludeFromDescription();
        app.MapRazorPages();
        return app;
    }

    // [FromForm] makes the antiforgery middleware validate the form token before this runs.
    private static IResult SetCulture(
        HttpContext context,
        [FromForm] string culture,
        [FromForm] string? returnUrl,
        TimeProvider time)
    {
        if (!ShellOptions.SupportedCultures.Contains(culture, StringComparer.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(
                detail: $"Unsupported culture '{culture}'.",
                statusCode: StatusCodes.Status400BadRequest,
                type: Infrastructure.Errors.ProblemTypes.Validation);
        }

        context.Response.Cookies.Append(
            CultureCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions
            {
                Expires = time.GetUtcNow().AddYears(1),
                HttpOnly = true,
                IsEssential = true,
                SameSite = SameSiteMode.Lax,
                Secure = context.Request.IsHttps,
                Path = "/",
            });

        // Only local paths: an open redirect would let a phishing link borrow our name.
        var target = returnUrl is { Length: > 0 } && returnUrl[0] == '/' && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";
        return TypedResults.LocalRedirect(target);
    }
}
