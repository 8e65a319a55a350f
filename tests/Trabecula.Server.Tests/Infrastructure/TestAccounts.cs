using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Organizations;

namespace Trabecula.Server.Tests.Infrastructure;

/// <summary>Explicit builders for people (STYLE: builders over magic fixtures).</summary>
internal static class TestAccounts
{
    public const string Password = "granite-orchid-velvet-27";

    public static async Task<Organization> OrganizationAsync(TrabeculaFactory factory, string name, PartyTypes types)
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var existing = db.Organizations.SingleOrDefault(o => o.Name == name);
        if (existing is not null)
        {
            return existing;
        }

        var organization = new Organization
        {
            Id = Guid.NewGuid(),
            Name = name,
            PartyTypes = types,
            PracticeLicenceNumber = types.HasFlag(PartyTypes.MedicalInstitution) ? "PDY-TEST-0001" : null,
            ProductionLicenceNumber = types.HasFlag(PartyTypes.Manufacturer) ? "PROD-TEST-0001" : null,
            RegistrationNumber = types.HasFlag(PartyTypes.MarketingAuthorizationHolder) ? "REG-TEST-0001" : null,
            CreatedAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        };
        db.Organizations.Add(organization);
        await db.SaveChangesAsync();
        return organization;
    }

    /// <summary>A verified user with a known password (no one-time password). Roles that need MFA still owe it: see MfaHelper.</summary>
    public static async Task<TrabeculaUser> UserAsync(
        TrabeculaFactory factory,
        string userName,
        string role,
        AccountStatus status = AccountStatus.Active,
        bool mustChangePassword = false,
        Organization? organization = null)
    {
        organization ??= await OrganizationAsync(factory, role is Roles.PlatformAdmin or Roles.SecurityAdmin or Roles.Auditor ? "Platform" : "Hospital A",
            role is Roles.PlatformAdmin or Roles.SecurityAdmin or Roles.Auditor ? PartyTypes.PlatformOperator : PartyTypes.MedicalInstitution);
        using var scope = factory.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<TrabeculaUser>>();
        var user = new TrabeculaUser
        {
            Id = Guid.NewGuid(),
            UserName = userName,
            OrganizationId = organization.Id,
            LegalName = "测试" + userName,
            Status = status,
            MustChangePassword = mustChangePassword,
            LockoutEnabled = true,
            IdentityDocumentNumber = "110101199003077777",
            MobileNumber = "13800000000",
            CreatedAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        };
        var result = await users.CreateAsync(user, Password);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
        await users.AddToRoleAsync(user, role);
        return user;
    }

    public static HttpClient Client(TrabeculaFactory factory) =>
        factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public static Task<HttpResponseMessage> LoginAsync(HttpClient client, string userName, string password = Password, string? totp = null, string? recovery = null) =>
        client.PostAsJsonAsync("/api/auth/login", new { userName, password, totpCode = totp, recoveryCode = recovery });

    /// <summary>Signs in and sets the X-CSRF-TOKEN header for later state-changing calls.</summary>
    public static async Task<HttpClient> SignedInAsync(TrabeculaFactory factory, string userName, string password = Password, string? totp = null)
    {
        var client = Client(factory);
        using var login = await LoginAsync(client, userName, password, totp);
        Assert.Equal(System.Net.HttpStatusCode.OK, login.StatusCode);
        await AddAntiforgeryAsync(client);
        return client;
    }

    public static async Task AddAntiforgeryAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/api/auth/antiforgery", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        client.DefaultRequestHeaders.Remove("X-CSRF-TOKEN");
        client.DefaultRequestHeaders.Add("X-CSRF-TOKEN", body.RootElement.GetProperty("token").GetString());
    }
}
