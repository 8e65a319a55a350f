using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Clients;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Accounts;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Clients;

/// <summary>R-AUTH-5 / NODE-01: machine clients with their own revocable, rotatable, scoped credentials.</summary>
public sealed class MachineClientTests
{
    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-AUTH-5")]
    [Trait("TestPlan", "NODE-01")]
    public async Task PacsGateway_GetsScopedToken_RotationAndRevocationKillItAtOnce(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        using var admin = await MfaHelper.NewUserSignedInAsync(factory, "hospital.admin", Roles.InstitutionAdmin, hospital);

        using var registered = await admin.PostAsJsonAsync($"/api/organizations/{hospital.Id}/clients", new { name = "PACS gateway", scopes = new[] { ClientScopes.ImagingUpload } });
        var body = JsonNode.Parse(await registered.Content.ReadAsStringAsync())!;
        var id = (string)body["client"]!["id"]!;
        var clientId = (string)body["client"]!["clientId"]!;
        var secret = (string)body["clientSecret"]!;
        using var gateway = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false });

        var token = await TokenAsync(gateway, clientId, secret);
        using var self = await Bearer(gateway, token, "/api/clients/self");
        using var personOnly = await Bearer(gateway, token, "/api/me");
        using var userWork = await Bearer(gateway, token, "/api/organizations");
        using var wrongSecret = await RequestTokenAsync(gateway, clientId, secret + "x");
        using var rotate = await admin.PostAsync(new Uri($"/api/clients/{id}/rotate", UriKind.Relative), null);
        var newSecret = (string)JsonNode.Parse(await rotate.Content.ReadAsStringAsync())!["clientSecret"]!;
        using var oldTokenAfterRotation = await Bearer(gateway, token, "/api/clients/self");
        using var oldSecretAfterRotation = await RequestTokenAsync(gateway, clientId, secret);
        var freshToken = await TokenAsync(gateway, clientId, newSecret);
        using var revoke = await admin.PostAsync(new Uri($"/api/clients/{id}/revoke", UriKind.Relative), null);
        using var afterRevocation = await Bearer(gateway, freshToken, "/api/clients/self");
        using var tokenAfterRevocation = await RequestTokenAsync(gateway, clientId, newSecret);

        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.StartsWith("tbc_", clientId, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, self.StatusCode);
        Assert.Equal([ClientScopes.ImagingUpload], JsonNode.Parse(await self.Content.ReadAsStringAsync())!["scopes"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(HttpStatusCode.Forbidden, personOnly.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, userWork.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
        Assert.Equal("invalid_client", (string?)JsonNode.Parse(await wrongSecret.Content.ReadAsStringAsync())!["error"]);
        Assert.Equal(HttpStatusCode.Unauthorized, oldTokenAfterRotation.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, oldSecretAfterRotation.StatusCode);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevocation.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tokenAfterRevocation.StatusCode);
        Assert.Equal(2, (await SignInTests.AuditAsync(factory, AuditAction.ClientTokenIssued)).Count);
        Assert.Equal(3, (await SignInTests.AuditAsync(factory, AuditAction.ClientTokenRefused)).Count);
        var issued = (await SignInTests.AuditAsync(factory, AuditAction.ClientTokenIssued))[0];
        Assert.Equal(AuditActorType.Client, issued.ActorType);
    }

    [Fact]
    [Trait("Requirement", "R-AUTH-5")]
    public async Task Registration_ScopeOfAnotherParty_IsRefused()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        using var admin = await MfaHelper.NewUserSignedInAsync(factory, "hospital.admin", Roles.InstitutionAdmin, hospital);

        using var response = await admin.PostAsJsonAsync($"/api/organizations/{hospital.Id}/clients", new { name = "Not a factory", scopes = new[] { ClientScopes.ProductionRecord } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    [Trait("Requirement", "R-AUTH-5")]
    public async Task Token_ExpiresAfterTenMinutes()
    {
        var clock = new FakeTimeProvider();
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite, clock);
        var factoryOrg = await TestAccounts.OrganizationAsync(factory, "Factory", PartyTypes.Manufacturer);
        using var admin = await MfaHelper.NewUserSignedInAsync(factory, "factory.admin", Roles.OrgAdmin, factoryOrg);
        using var registered = await admin.PostAsJsonAsync($"/api/organizations/{factoryOrg.Id}/clients", new { name = "MES", scopes = new[] { ClientScopes.ProductionRecord, ClientScopes.OrdersRead } });
        var body = JsonNode.Parse(await registered.Content.ReadAsStringAsync())!;
        using var mes = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false });
        var token = await TokenAsync(mes, (string)body["client"]!["clientId"]!, (string)body["clientSecret"]!);

        clock.Advance(TimeSpan.FromMinutes(9));
        using var valid = await Bearer(mes, token, "/api/clients/self");
        clock.Advance(TimeSpan.FromMinutes(2));
        using var expired = await Bearer(mes, token, "/api/clients/self");

        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
    }

    private static Task<HttpResponseMessage> RequestTokenAsync(HttpClient client, string clientId, string secret) =>
        client.PostAsync(new Uri("/api/auth/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = clientId,
            ["client_secret"] = secret,
        }));

    private static async Task<string> TokenAsync(HttpClient client, string clientId, string secret)
    {
        using var response = await RequestTokenAsync(client, clientId, secret);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Bearer", (string?)body["token_type"]);
        Assert.Equal(600, (int)body["expires_in"]!);
        return (string)body["access_token"]!;
    }

    private static Task<HttpResponseMessage> Bearer(HttpClient client, string token, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.SendAsync(request);
    }
}
