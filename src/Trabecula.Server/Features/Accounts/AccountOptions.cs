using Microsoft.Extensions.Options;

namespace Trabecula.Server.Features.Accounts;

/// <summary>The "Sessions" section (R-AUTH-4, NMPA 自动注销): both limits are enforced on the server.</summary>
public sealed class SessionOptions
{
    public const string SectionName = "Sessions";

    /// <summary>A session unused this long is gone.</summary>
    public int IdleTimeoutMinutes { get; set; } = 15;

    /// <summary>A session older than this is gone, however busy.</summary>
    public int AbsoluteLifetimeHours { get; set; } = 12;

    public TimeSpan IdleTimeout => TimeSpan.FromMinutes(IdleTimeoutMinutes);

    public TimeSpan AbsoluteLifetime => TimeSpan.FromHours(AbsoluteLifetimeHours);
}

/// <summary>The "SignIn" section (R-AUTH-3): lockout and the per-address rate limit.</summary>
public sealed class SignInOptions
{
    public const string SectionName = "SignIn";

    public int MaxFailedAttempts { get; set; } = 5;

    public int LockoutMinutes { get; set; } = 15;

    /// <summary>Sign-in requests one address may make per minute before answers turn to 429.</summary>
    public int RequestsPerMinutePerAddress { get; set; } = 20;
}

internal sealed class SessionOptionsValidator : IValidateOptions<SessionOptions>
{
    public ValidateOptionsResult Validate(string? name, SessionOptions options)
    {
        var errors = new List<string>();
        if (options.IdleTimeoutMinutes is < 1 or > 240)
        {
            errors.Add($"Sessions:IdleTimeoutMinutes must be between 1 and 240 (got {options.IdleTimeoutMinutes}).");
        }

        if (options.AbsoluteLifetimeHours is < 1 or > 24)
        {
            errors.Add($"Sessions:AbsoluteLifetimeHours must be between 1 and 24 (got {options.AbsoluteLifetimeHours}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

internal sealed class SignInOptionsValidator : IValidateOptions<SignInOptions>
{
    public ValidateOptionsResult Validate(string? name, SignInOptions options)
    {
        var errors = new List<string>();
        if (options.MaxFailedAttempts is < 3 or > 20)
        {
            errors.Add($"SignIn:MaxFailedAttempts must be between 3 and 20 (got {options.MaxFailedAttempts}).");
        }

        if (options.LockoutMinutes is < 1 or > 1440)
        {
            errors.Add($"SignIn:LockoutMinutes must be between 1 and 1440 (got {options.LockoutMinutes}).");
        }

        if (options.RequestsPerMinutePerAddress is < 1 or > 10_000)
        {
            errors.Add($"SignIn:RequestsPerMinutePerAddress must be between 1 and 10000 (got {options.RequestsPerMinutePerAddress}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
