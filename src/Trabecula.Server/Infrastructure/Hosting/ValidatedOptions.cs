using Microsoft.Extensions.Options;

namespace Trabecula.Server.Infrastructure.Hosting;

/// <summary>A registered options section that the start-up checks bind and validate.</summary>
internal sealed record OptionsCheck(string Section, Func<IServiceProvider, object> Resolve);

internal static class ValidatedOptions
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="section"/>, validates it with
    /// <typeparamref name="TValidator"/> on start, and enrols it in <see cref="StartupChecks"/>
    /// so a bad value stops start-up with a message naming the setting.
    /// </summary>
    public static IServiceCollection AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        services.AddSingleton(new OptionsCheck(section, sp => sp.GetRequiredService<IOptions<TOptions>>().Value));
        return services;
    }

    /// <summary>Binds a section that has no rules beyond its types, still checked at start-up for conversion errors.</summary>
    public static IServiceCollection AddCheckedOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class
    {
        services.AddOptions<TOptions>().BindConfiguration(section);
        services.AddSingleton(new OptionsCheck(section, sp => sp.GetRequiredService<IOptions<TOptions>>().Value));
        return services;
    }
}
