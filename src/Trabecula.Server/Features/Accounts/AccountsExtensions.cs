using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;

namespace Trabecula.Server.Features.Accounts;

internal static class AccountsExtensions
{
    /// <summary>
    /// ASP.NET Core Identity over the platform's DbContext with the settings R-AUTH-2/3 require:
    /// 12 characters and no composition rules (NIST SP 800-63B), lockout after 5 failures for
    /// 15 minutes, and PBKDF2-HMAC-SHA512 at 210,000 iterations (OWASP's figure for SHA-512).
    /// </summary>
    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddIdentityCore<TrabeculaUser>(options =>
            {
                options.Password.RequiredLength = 12;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 1;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                options.Lockout.AllowedForNewUsers = true;
                options.User.RequireUniqueEmail = false;
            })
            .AddRoles<IdentityRole<Guid>>()
            .AddEntityFrameworkStores<TrabeculaDbContext>();
        builder.Services.Configure<PasswordHasherOptions>(options => options.IterationCount = 210_000);
        return builder;
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
}
