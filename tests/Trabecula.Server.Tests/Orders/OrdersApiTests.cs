using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Orders;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Orders;

/// <summary>Cases and orders through the API, on both databases.</summary>
public sealed class OrdersApiTests
{
    private const string PatientCanary = "张三CANARY7";

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-CASE-1")]
    [Trait("Requirement", "R-CASE-2")]
    [Trait("Requirement", "R-CASE-5")]
    [Trait("TestPlan", "AZ-02")]
    [Trait("TestPlan", "AZ-04")]
    [Trait("TestPlan", "AZ-05")]
    public async Task Order_FromRequirementToDesigning_ByTheRightParties(DatabaseKind kind)
    {
        await using var world = await OrderWorld.CreateAsync(kind);

        // The physician opens the case and its order.
        using var created = await world.Physician.PostAsJsonAsync("/api/orders", NewOrder());
        var order = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        var id = (string)order["id"]!;
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Matches("^TB-\\d{4}-000001$", (string)order["number"]!);
        Assert.Equal(PatientCanary, (string?)order["patient"]!["name"]);

        // A designer that does not take part sees nothing, not even that the order exists.
        using var before = await world.Designer.GetAsync(new Uri($"/api/orders/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);

        // Illegal jump: 409 listing the moves that exist; nothing changes.
        using var jump = await world.Physician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "Manufacturing" });
        Assert.Equal(HttpStatusCode.Conflict, jump.StatusCode);
        var allowed = JsonNode.Parse(await jump.Content.ReadAsStringAsync())!["allowed"]!.AsArray().Select(n => (string?)n).ToList();
        Assert.Contains("DataCollected", allowed);

        await Move(world.Physician, id, "DataCollected");

        // The institution's final confirmation of the requirements comes before the data is confirmed (a guard).
        using var unconfirmed = await world.Physician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "DataConfirmed" });
        Assert.Equal(HttpStatusCode.Conflict, unconfirmed.StatusCode);
        var unmet = JsonNode.Parse(await unconfirmed.Content.ReadAsStringAsync())!;
        Assert.Equal("urn:trabecula:problem:precondition-unmet", (string?)unmet["type"]);
        Assert.Equal("RequirementsUnconfirmed", (string?)unmet["unmet"]![0]);
        (await world.Physician.PostAsJsonAsync($"/api/orders/{id}/confirmations", new { artifactType = "requirements", version = 1 })).Dispose();

        // ... and so does the institution's confirmation of the patient data (the patient-data feature's guard).
        using var noData = await world.Physician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "DataConfirmed" });
        Assert.Equal("PatientDataUnconfirmed", (string?)JsonNode.Parse(await noData.Content.ReadAsStringAsync())!["unmet"]![0]);
        await DicomSamples.UploadAndConfirmAsync(world.Physician, id);
        await Move(world.Physician, id, "DataConfirmed");
        // The directory lists the partner organizations an institution can assign, and no hospitals.
        var designers = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri("/api/organizations/directory?party=Designer", UriKind.Relative)))!.AsArray();
        Assert.Equal(["Design House"], designers.Select(o => (string?)o!["name"]));
        using var assign = await world.Physician.PutAsJsonAsync($"/api/orders/{id}/participants", new { designerId = world.DesignHouse.Id, manufacturerId = world.Plant.Id });
        Assert.Equal(HttpStatusCode.OK, assign.StatusCode);

        // The physician cannot take the designer's step; the designer can.
        using var notYours = await world.Physician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "Designing" });
        Assert.Equal(HttpStatusCode.Forbidden, notYours.StatusCode);
        var designing = await Move(world.Designer, id, "Designing");

        // The designer sees the pseudonym, never the patient's identity.
        var designerView = await world.Designer.GetStringAsync(new Uri($"/api/orders/{id}", UriKind.Relative));
        Assert.DoesNotContain(PatientCanary, designerView, StringComparison.Ordinal);
        Assert.DoesNotContain("110101", designerView, StringComparison.Ordinal);
        Assert.Null(JsonNode.Parse(designerView)!["patient"]);
        Assert.StartsWith("P-", (string)JsonNode.Parse(designerView)!["pseudonym"]!, StringComparison.Ordinal);
        Assert.Equal("Designing", (string?)designing["state"]);

        // The timeline has every step with its actor.
        var history = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders/{id}/history", UriKind.Relative)))!.AsArray();
        Assert.Equal(["RequirementRaised", "DataCollected", "DataConfirmed", "Designing"], history.Select(h => (string?)h!["to"]));
        Assert.Equal("designer", (string?)history[^1]!["actor"]);
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-CASE-5")]
    [Trait("TestPlan", "AZ-04")]
    public async Task ConcurrentTransitions_ExactlyOneWins(DatabaseKind kind)
    {
        await using var world = await OrderWorld.CreateAsync(kind);
        using var created = await world.Physician.PostAsJsonAsync("/api/orders", NewOrder());
        var order = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        var id = (string)order["id"]!;
        var version = (int)order["version"]!;

        var results = await Task.WhenAll(
            world.Physician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "DataCollected", version }),
            world.SecondPhysician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "Cancelled", reason = "duplicate", version }));

        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var history = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders/{id}/history", UriKind.Relative)))!.AsArray();
        Assert.Equal(2, history.Count);
        foreach (var result in results)
        {
            result.Dispose();
        }
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-CASE-1")]
    public async Task Database_RefusesASecondOrderForOneCase(DatabaseKind kind)
    {
        await using var world = await OrderWorld.CreateAsync(kind);
        using var created = await world.Physician.PostAsJsonAsync("/api/orders", NewOrder());
        var id = Guid.Parse((string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!);
        using var scope = world.Factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var existing = await db.Orders.AsNoTracking().SingleAsync(o => o.Id == id);

        db.Orders.Add(new Order
        {
            Id = Guid.NewGuid(), CaseId = existing.CaseId, Number = "TB-2026-999999", InstitutionId = existing.InstitutionId, DeviceCategory = "Other",
            CreatedAt = existing.CreatedAt, UpdatedAt = existing.CreatedAt, Version = 1,
        });

        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-CASE-2")]
    public async Task Requirements_NewRevisionKeepsTheOldOneWithWhoWhenWhy(DatabaseKind kind)
    {
        await using var world = await OrderWorld.CreateAsync(kind);
        using var created = await world.Physician.PostAsJsonAsync("/api/orders", NewOrder());
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;

        using var noReason = await world.Physician.PutAsJsonAsync($"/api/orders/{id}/requirements", new { deviceCategory = "CranialPlate", clinicalRequirement = "thicker rim" });
        using var revised = await world.Physician.PutAsJsonAsync($"/api/orders/{id}/requirements", new
        {
            deviceCategory = "CranialPlate", anatomicalSite = "left parietal", clinicalRequirement = "3 mm rim, 12 fixation holes", reason = "surgeon asked for more holes",
        });
        var revisions = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders/{id}/requirements", UriKind.Relative)))!.AsArray();

        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(HttpStatusCode.OK, revised.StatusCode);
        Assert.Equal([2, 1], revisions.Select(r => (int)r!["revision"]!));
        Assert.Equal("surgeon asked for more holes", (string?)revisions[0]!["reason"]);
        Assert.Equal("3 mm rim, 12 fixation holes", (string?)revisions[0]!["clinicalRequirement"]);
        Assert.Equal("custom plate, 2 mm rim", (string?)revisions[1]!["clinicalRequirement"]);
        Assert.Equal("dr.li", (string?)revisions[1]!["createdBy"]);

        // The diff names exactly the fields that changed (the revision left out indication and date), with before and after.
        var diff = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders/{id}/requirements/diff?from=1&to=2", UriKind.Relative)))!.AsArray();
        Assert.Equal(["indication", "clinicalRequirement", "plannedSurgeryDate"], diff.Select(c => (string?)c!["field"]));
        Assert.Equal("custom plate, 2 mm rim", (string?)diff[1]!["before"]);
        Assert.Equal("3 mm rim, 12 fixation holes", (string?)diff[1]!["after"]);
        Assert.Null((string?)diff[2]!["after"]);
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-CASE-2")]
    [Trait("Requirement", "R-CASE-4")]
    public async Task FinalConfirmation_BindsToOneRevision_ARevisionNeedsANewOne(DatabaseKind kind)
    {
        await using var world = await OrderWorld.CreateAsync(kind);
        using var created = await world.Physician.PostAsJsonAsync("/api/orders", NewOrder());
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        await Move(world.Physician, id, "DataCollected");
        (await world.Physician.PostAsJsonAsync($"/api/orders/{id}/confirmations", new { artifactType = "requirements", version = 1 })).Dispose();
        (await world.Physician.PutAsJsonAsync($"/api/orders/{id}/requirements", new { deviceCategory = "CranialPlate", clinicalRequirement = "changed", reason = "new CT" })).Dispose();

        // Revision 1 was confirmed, revision 2 is current: the order page lists the move with what it waits for.
        var view = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders/{id}", UriKind.Relative)))!;
        var confirmData = view["nextMoves"]!.AsArray().Single(m => (string?)m!["to"] == "DataConfirmed")!;
        Assert.Equal("RequirementsUnconfirmed", (string?)confirmData["unmet"]![0]!["code"]);
        using var refused = await world.Physician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "DataConfirmed" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);

        // A designer's confirmation is not the institution's.
        (await world.Physician.PutAsJsonAsync($"/api/orders/{id}/participants", new { designerId = world.DesignHouse.Id })).Dispose();
        (await world.Designer.PostAsJsonAsync($"/api/orders/{id}/confirmations", new { artifactType = "requirements", version = 2 })).Dispose();
        using var stillRefused = await world.Physician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "DataConfirmed" });
        Assert.Equal(HttpStatusCode.Conflict, stillRefused.StatusCode);

        (await world.SecondPhysician.PostAsJsonAsync($"/api/orders/{id}/confirmations", new { artifactType = "requirements", version = 2 })).Dispose();
        await DicomSamples.UploadAndConfirmAsync(world.Physician, id);
        await Move(world.Physician, id, "DataConfirmed");
    }

    [Fact]
    [Trait("TestPlan", "AZ-02")]
    [Trait("TestPlan", "CRY-01")]
    public async Task OtherHospital_GetsNotFoundOnEveryOrderRoute_AndThePatientNameIsEncrypted()
    {
        await using var world = await OrderWorld.CreateAsync(DatabaseKind.Sqlite);
        using var created = await world.Physician.PostAsJsonAsync("/api/orders", NewOrder());
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;

        var probes = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, $"/api/orders/{id}", null),
            (HttpMethod.Get, $"/api/orders/{id}/history", null),
            (HttpMethod.Get, $"/api/orders/{id}/requirements", null),
            (HttpMethod.Put, $"/api/orders/{id}/requirements", new { deviceCategory = "Other", clinicalRequirement = "x", reason = "y" }),
            (HttpMethod.Put, $"/api/orders/{id}/participants", new { designerId = world.DesignHouse.Id }),
            (HttpMethod.Post, $"/api/orders/{id}/transitions", new { to = "Cancelled" }),
            (HttpMethod.Get, $"/api/orders/{id}/comments", null),
            (HttpMethod.Post, $"/api/orders/{id}/comments", new { body = "hello" }),
            (HttpMethod.Get, $"/api/orders/{id}/confirmations", null),
            (HttpMethod.Post, $"/api/orders/{id}/confirmations", new { artifactType = "requirements", version = 1 }),
            (HttpMethod.Get, $"/api/orders/{id}/access?class=DesignFiles&action=View", null),
            (HttpMethod.Get, $"/api/orders/{id}/requirements/diff?from=1&to=1", null),
            (HttpMethod.Get, $"/api/orders/{id}/emergency-access", null),
            (HttpMethod.Post, $"/api/orders/{id}/emergency-access", new { reason = "need to see the images now", totpCode = "000000" }),
            (HttpMethod.Post, $"/api/orders/{id}/emergency-access/{Guid.NewGuid()}/end", null),
        };
        foreach (var (method, path, body) in probes)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await world.OtherHospital.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode}");
        }

        var list = JsonNode.Parse(await world.OtherHospital.GetStringAsync(new Uri("/api/orders", UriKind.Relative)))!;
        Assert.Equal(0, (int)list["total"]!);

        var canary = System.Text.Encoding.UTF8.GetBytes(PatientCanary);
        foreach (var file in Directory.GetFiles(world.Factory.DataDirectory, "*", SearchOption.AllDirectories))
        {
            Assert.True((await File.ReadAllBytesAsync(file)).AsSpan().IndexOf(canary) < 0, $"{Path.GetFileName(file)} holds the patient's name in clear");
        }
    }

    [Fact]
    [Trait("Requirement", "R-CASE-5")]
    public async Task OrderList_FiltersByStateAndPages()
    {
        await using var world = await OrderWorld.CreateAsync(DatabaseKind.Sqlite);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var created = await world.Physician.PostAsJsonAsync("/api/orders", NewOrder());
            ids.Add((string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!);
        }

        await Move(world.Physician, ids[0], "DataCollected");
        await Move(world.Physician, ids[1], "DataCollected");

        var collected = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri("/api/orders?state=DataCollected", UriKind.Relative)))!;
        var page2 = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri("/api/orders?pageSize=2&page=2", UriKind.Relative)))!;
        var byNumber = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri("/api/orders?number=TB-", UriKind.Relative)))!;

        Assert.Equal(2, (int)collected["total"]!);
        Assert.Equal(5, (int)page2["total"]!);
        Assert.Equal(2, page2["items"]!.AsArray().Count);
        Assert.Equal(5, (int)byNumber["total"]!);

        // Participant and category filters, and a date window.
        (await world.Physician.PutAsJsonAsync($"/api/orders/{ids[2]}/participants", new { manufacturerId = world.Plant.Id })).Dispose();
        var withPlant = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders?participant={world.Plant.Id}", UriKind.Relative)))!;
        var guides = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri("/api/orders?category=SurgicalGuide", UriKind.Relative)))!;
        var future = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri("/api/orders?from=2999-01-01", UriKind.Relative)))!;
        Assert.Equal(ids[2], (string?)withPlant["items"]![0]!["id"]);
        Assert.Equal(1, (int)withPlant["total"]!);
        Assert.Equal(0, (int)guides["total"]!);
        Assert.Equal(0, (int)future["total"]!);
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-CASE-5")]
    [Trait("TestPlan", "AZ-02")]
    public async Task OrderListing_FollowsCreateAssignReassignAndMoves(DatabaseKind kind)
    {
        await using var world = await OrderWorld.CreateAsync(kind);
        using var created = await world.Physician.PostAsJsonAsync("/api/orders", NewOrder());
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        (await world.Physician.PutAsJsonAsync($"/api/orders/{id}/participants", new { designerId = world.DesignHouse.Id, manufacturerId = world.Plant.Id })).Dispose();
        await Move(world.Physician, id, "DataCollected");
        await AssertListingMatchesOrdersAsync(world.Factory);
        var designerSees = JsonNode.Parse(await world.Designer.GetStringAsync(new Uri("/api/orders?state=DataCollected&category=CranialPlate", UriKind.Relative)))!;
        Assert.Equal(id, (string?)designerSees["items"]![0]!["id"]);

        // Another factory takes the order over: the first one's listing row goes in the same save,
        // the new one gets a row, the design house keeps its own.
        var secondPlant = await TestAccounts.OrganizationAsync(world.Factory, "Factory 2", PartyTypes.Manufacturer);
        (await world.Physician.PutAsJsonAsync($"/api/orders/{id}/participants", new { manufacturerId = secondPlant.Id })).Dispose();
        await Move(world.Physician, id, "OnHold");
        await AssertListingMatchesOrdersAsync(world.Factory);
        var onHold = JsonNode.Parse(await world.Designer.GetStringAsync(new Uri("/api/orders?state=OnHold", UriKind.Relative)))!;
        var stale = JsonNode.Parse(await world.Designer.GetStringAsync(new Uri("/api/orders?state=DataCollected", UriKind.Relative)))!;
        Assert.Equal(1, (int)onHold["total"]!);
        Assert.Equal(0, (int)stale["total"]!);
        var withPlant = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders?participant={world.Plant.Id}", UriKind.Relative)))!;
        var withSecond = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders?participant={secondPlant.Id}", UriKind.Relative)))!;
        Assert.Equal(0, (int)withPlant["total"]!);
        Assert.Equal(1, (int)withSecond["total"]!);
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-CASE-5")]
    [Trait("TestPlan", "AZ-02")]
    public async Task OrderList_ReusedAnswer_EndsWithEveryCommittedSave_AndStaysWithinItsOrganization(DatabaseKind kind)
    {
        await using var world = await OrderWorld.CreateAsync(kind);
        var all = new Uri("/api/orders", UriKind.Relative);
        var collected = new Uri("/api/orders?state=DataCollected", UriKind.Relative);
        Assert.Equal(0, await TotalAsync(world.Physician, all));
        Assert.Equal(0, await TotalAsync(world.Physician, collected));
        Assert.Equal(0, await TotalAsync(world.Designer, all));

        // A new order: the hospital's very next list has it, the other hospital's never does.
        using var created = await world.Physician.PostAsJsonAsync("/api/orders", NewOrder());
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;
        Assert.Equal(1, await TotalAsync(world.Physician, all));
        Assert.Equal(1, await TotalAsync(world.SecondPhysician, all));
        Assert.Equal(0, await TotalAsync(world.OtherHospital, all));

        // A move, seen at once in the state filter and in the item's state.
        await Move(world.Physician, id, "DataCollected");
        Assert.Equal(1, await TotalAsync(world.Physician, collected));
        var item = JsonNode.Parse(await world.Physician.GetStringAsync(all))!["items"]![0]!;
        Assert.Equal("DataCollected", (string?)item["state"]);

        // A new participant: the design house's cached empty list ends with the assignment.
        (await world.Physician.PutAsJsonAsync($"/api/orders/{id}/participants", new { designerId = world.DesignHouse.Id })).Dispose();
        Assert.Equal(1, await TotalAsync(world.Designer, all));

        // A change inside a caller's transaction: a list read before the commit cannot outlive it.
        using (var scope = world.Factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            var order = await db.Orders.SingleAsync(o => o.Id == Guid.Parse(id));
            order.State = OrderState.OnHold;
            await db.SaveChangesAsync();
            if (kind == DatabaseKind.PostgreSql)
            {
                // Read beside the open transaction: the old state. (On SQLite the request's own
                // session bookkeeping may need the write lock this transaction holds.)
                Assert.Equal(1, await TotalAsync(world.Physician, collected));
            }

            await transaction.CommitAsync();
        }

        Assert.Equal(0, await TotalAsync(world.Physician, collected));
        Assert.Equal(1, await TotalAsync(world.Physician, new Uri("/api/orders?state=OnHold", UriKind.Relative)));
    }

    [Fact]
    [Trait("Requirement", "R-CASE-5")]
    public void OrderListFilter_Key_NamesWhatTheQueryUses()
    {
        var plain = OrderListFilter.Parse("DataCollected", "SpinalCage", null, null, null, null, null, null);
        Assert.Equal(plain.Key, OrderListFilter.Parse("DataCollected", "SpinalCage", "  ", null, null, null, 1, 50).Key);
        Assert.Equal(OrderListFilter.Parse("NoSuchState", null, null, null, null, null, null, null).Key, OrderListFilter.Parse(null, null, null, null, null, null, null, null).Key);
        Assert.NotEqual(plain.Key, OrderListFilter.Parse("DataCollected", "SpinalCage", null, null, null, null, 2, null).Key);
        Assert.NotEqual(plain.Key, OrderListFilter.Parse("DataCollected", "SpinalCage", null, null, null, null, null, 100).Key);
        Assert.NotEqual(OrderListFilter.Parse(null, "a|b", null, null, null, null, null, null).Key, OrderListFilter.Parse(null, "a", "b", null, null, null, null, null).Key);
        Assert.Equal(100, OrderListFilter.Parse(null, null, null, null, null, null, null, 5000).PageSize);
    }

    private static async Task<int> TotalAsync(HttpClient client, Uri list) =>
        (int)JsonNode.Parse(await client.GetStringAsync(list))!["total"]!;

    /// <summary>The listing is derived data: exactly one row per (order, participating organization), with the order's columns.</summary>
    private static async Task AssertListingMatchesOrdersAsync(TrabeculaFactory factory)
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        var orders = await db.Orders.AsNoTracking().ToListAsync();
        var pseudonyms = await db.Cases.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Pseudonym);
        var expected = orders
            .SelectMany(o => new[] { (Guid?)o.InstitutionId, o.DesignerId, o.ManufacturerId, o.RegistrantId }.OfType<Guid>().Distinct()
                .Select(org => $"{o.Id}/{org}/{o.Number}/{o.State}/{o.DeviceCategory}/{o.CaseId}/{pseudonyms[o.CaseId]}/{o.CreatedAt:O}/{o.UpdatedAt:O}"))
            .Order(StringComparer.Ordinal).ToList();
        var actual = (await db.OrderListings.AsNoTracking().ToListAsync())
            .Select(l => $"{l.OrderId}/{l.OrganizationId}/{l.Number}/{l.State}/{l.DeviceCategory}/{l.CaseId}/{l.Pseudonym}/{l.CreatedAt:O}/{l.UpdatedAt:O}")
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
    }

    private static object NewOrder() => new
    {
        patient = new { name = PatientCanary, sex = "M", birthDate = "1980-03-07", hospitalRecordNumber = "ZY0012345", idNumber = "110101198003071234" },
        requirement = new
        {
            deviceCategory = "CranialPlate", anatomicalSite = "left parietal", indication = "post-traumatic defect",
            clinicalRequirement = "custom plate, 2 mm rim", plannedSurgeryDate = "2026-12-20", urgency = "Routine",
        },
    };

    private static async Task<JsonNode> Move(HttpClient client, string id, string to)
    {
        using var response = await client.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{to}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>Two hospitals, a design house and a factory, each with signed-in people.</summary>
    private sealed class OrderWorld : IAsyncDisposable
    {
        public required TrabeculaFactory Factory { get; init; }

        public required Organization DesignHouse { get; init; }

        public required Organization Plant { get; init; }

        public required HttpClient Physician { get; init; }

        public required HttpClient SecondPhysician { get; init; }

        public required HttpClient Designer { get; init; }

        public required HttpClient OtherHospital { get; init; }

        public static async Task<OrderWorld> CreateAsync(DatabaseKind kind)
        {
            var factory = await TrabeculaFactory.CreateAsync(kind);
            var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
            var other = await TestAccounts.OrganizationAsync(factory, "Hospital B", PartyTypes.MedicalInstitution);
            var design = await TestAccounts.OrganizationAsync(factory, "Design House", PartyTypes.Designer);
            var plant = await TestAccounts.OrganizationAsync(factory, "Factory", PartyTypes.Manufacturer);
            await TestAccounts.UserAsync(factory, "dr.li", Roles.Physician, organization: hospital);
            await TestAccounts.UserAsync(factory, "dr.wang", Roles.Physician, organization: hospital);
            await TestAccounts.UserAsync(factory, "dr.other", Roles.Physician, organization: other);
            await TestAccounts.UserAsync(factory, "designer", Roles.Designer, organization: design);
            foreach (var name in new[] { "dr.li", "dr.wang", "dr.other" })
            {
                await MfaHelper.EnrolAsync(factory, name);
            }

            return new OrderWorld
            {
                Factory = factory,
                DesignHouse = design,
                Plant = plant,
                Physician = await MfaHelper.SignedInWithMfaAsync(factory, "dr.li"),
                SecondPhysician = await MfaHelper.SignedInWithMfaAsync(factory, "dr.wang"),
                OtherHospital = await MfaHelper.SignedInWithMfaAsync(factory, "dr.other"),
                Designer = await TestAccounts.SignedInAsync(factory, "designer"),
            };
        }

        public async ValueTask DisposeAsync()
        {
            Physician.Dispose();
            SecondPhysician.Dispose();
            Designer.Dispose();
            OtherHospital.Dispose();
            await Factory.DisposeAsync();
        }
    }
}
