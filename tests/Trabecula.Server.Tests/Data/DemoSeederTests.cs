using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Demo;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Data;

public sealed class DemoSeederTests
{
    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-ORG-1")]
    [Trait("Requirement", "R-ORG-2")]
    public async Task Seed_FreshDatabase_CreatesEveryPartyAndOneWorkingAccountPerRole(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        _ = factory.Server;
        await using var scope = factory.Services.CreateAsyncScope();

        var accounts = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(CancellationToken.None);

        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var types = await db.Organizations.Select(o => o.PartyTypes).ToListAsync();
        foreach (var party in new[] { PartyTypes.MedicalInstitution, PartyTypes.Designer, PartyTypes.Manufacturer, PartyTypes.MarketingAuthorizationHolder, PartyTypes.PlatformOperator })
        {
            Assert.Contains(types, t => t.HasFlag(party));
        }

        Assert.Equal(Roles.All.Order(), accounts.Select(a => a.Role).Distinct().Order());
        var users = scope.ServiceProvider.GetRequiredService<UserManager<TrabeculaUser>>();
        foreach (var account in accounts)
        {
            var user = await users.FindByNameAsync(account.UserName);
            Assert.NotNull(user);
            Assert.NotNull(account.OneTimePassword);
            Assert.True(account.OneTimePassword!.Length >= 12);
            Assert.True(await users.CheckPasswordAsync(user, account.OneTimePassword));
            Assert.True(await users.IsInRoleAsync(user, account.Role));
            Assert.True(user.MustChangePassword);
            Assert.True(user.LockoutEnabled);
            Assert.Equal(AccountStatus.Active, user.Status);
            Assert.DoesNotContain(account.OneTimePassword, user.PasswordHash, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Seed_RunTwice_AddsNothingAndKeepsPasswords()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        _ = factory.Server;
        await using var scope = factory.Services.CreateAsyncScope();
        var seeder = scope.ServiceProvider.GetRequiredService<DemoSeeder>();
        var first = await seeder.SeedAsync(CancellationToken.None);

        var second = await seeder.SeedAsync(CancellationToken.None);

        Assert.Equal(first.Select(a => a.UserName), second.Select(a => a.UserName));
        Assert.All(second, a => Assert.Null(a.OneTimePassword));
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        Assert.Equal(first.Count, await db.Users.CountAsync());
        Assert.Equal(5, await db.Organizations.CountAsync());
    }
}
