using System.Collections.Concurrent;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Features.Accounts;

namespace Trabecula.Server.Tests.Infrastructure;

/// <summary>
/// Plays the authenticator app: enrols a user's TOTP through the real service and produces codes
/// for later sign-ins, each for a time step after the last one used (codes are single-use).
/// </summary>
internal static class MfaHelper
{
    private static readonly ConcurrentDictionary<(TrabeculaFactory, string), (byte[] Secret, long LastStep)> Devices = new();

    public static async Task EnrolAsync(TrabeculaFactory factory, string userName)
    {
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<TrabeculaUser>>();
        var twoFactor = scope.ServiceProvider.GetRequiredService<TwoFactorService>();
        var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        var user = await users.FindByNameAsync(userName) ?? throw new InvalidOperationException(userName);
        var enrolment = await twoFactor.BeginEnrolmentAsync(user);
        var secret = Totp.FromBase32(enrolment.Secret);
        var step = Totp.StepAt(time.GetUtcNow());
        Assert.NotNull(await twoFactor.ConfirmEnrolmentAsync(user, Totp.Compute(secret, step)));
        Devices[(factory, userName)] = (secret, step);
    }

    /// <summary>The next code the device would show, usable once.</summary>
    public static string NextCode(TrabeculaFactory factory, string userName)
    {
        var time = factory.Services.GetRequiredService<TimeProvider>();
        var (secret, last) = Devices[(factory, userName)];
        var current = Totp.StepAt(time.GetUtcNow());

        // On a clock that runs by itself, never the previous window's code: it can go stale between
        // here and the server's check. A frozen fake clock has no such edge.
        var step = Math.Max(time is FakeTimeProvider ? current - 1 : current, last + 1);
        if (step > current + 1)
        {
            throw new InvalidOperationException("No unused code in the current window: advance the fake clock.");
        }

        Devices[(factory, userName)] = (secret, step);
        return Totp.Compute(secret, step);
    }

    public static Task<HttpClient> SignedInWithMfaAsync(TrabeculaFactory factory, string userName) =>
        TestAccounts.SignedInAsync(factory, userName, TestAccounts.Password, NextCode(factory, userName));

    /// <summary>A verified user with an enrolled authenticator, signed in (the usual start of an administrator's test).</summary>
    public static async Task<HttpClient> NewUserSignedInAsync(TrabeculaFactory factory, string userName, string role, Trabecula.Server.Features.Organizations.Organization? organization = null)
    {
        await TestAccounts.UserAsync(factory, userName, role, organization: organization);
        await EnrolAsync(factory, userName);
        return await SignedInWithMfaAsync(factory, userName);
    }
}
