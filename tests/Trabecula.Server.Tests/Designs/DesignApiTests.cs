using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Trabecula.Server.Data;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Designs;

/// <summary>Design versions, electronic signatures, change control and release over HTTP, on both databases.</summary>
public sealed class DesignApiTests
{
    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-DES-1")]
    [Trait("Requirement", "R-DATA-5")]
    [Trait("Requirement", "R-XFER-1")]
    [Trait("Requirement", "R-XFER-2")]
    [Trait("TestPlan", "AZ-04")]
    public async Task Version_UploadedSubmittedSignedReleased_TheFactoryGetsThePackage_AndOnlyThenManufactures(DatabaseKind kind)
    {
        await using var world = await DesignFlow.CreateWorldAsync(kind);
        var id = await DesignFlow.OrderInDesigningAsync(world);
        var platePath = await DesignSamples.PlateAsync();
        var plate = await File.ReadAllBytesAsync(platePath);
        var report = await DesignSamples.ReportPdfAsync();

        // The physician cannot upload; the designer can, and the model is checked on arrival (ADMesh agrees on the facets).
        using var byPhysician = await DesignFlow.PostVersionAsync(world.Physician, id, plate);
        Assert.Equal(HttpStatusCode.Forbidden, byPhysician.StatusCode);
        var version = await DesignFlow.UploadVersionAsync(world.Designer, id, plate, report, notes: "first design");
        Assert.Equal(1, (int)version["number"]!);
        var model = version["files"]!.AsArray().Single(f => (string?)f!["kind"] == "Model")!;
        Assert.Equal(await DesignSamples.AdmeshFacetsAsync(platePath), (int)model["meshReport"]!["triangles"]!);
        Assert.True((bool)model["meshReport"]!["closed"]!);
        Assert.True((bool)model["valid"]!);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(plate)), (string?)model["sha256"]);
        Assert.Equal("pdf", (string?)version["files"]!.AsArray().Single(f => (string?)f!["kind"] == "Report")!["format"]);

        // In Designing the physician does not see the files yet (the matrix); the plain transition cannot submit.
        Assert.False((bool)(await DesignFlow.OverviewAsync(world.Physician, id))["canViewFiles"]!);
        using var bare = await world.Designer.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "DesignReview" });
        Assert.Equal(HttpStatusCode.Conflict, bare.StatusCode);
        Assert.Equal("DesignNotSubmitted", (string?)JsonNode.Parse(await bare.Content.ReadAsStringAsync())!["unmet"]![0]);
        await DesignFlow.SubmitAsync(world.Designer, id, (string)version["id"]!);

        // Under review: the physician views and downloads the model byte for byte; approving without a signature is refused.
        var overview = await DesignFlow.OverviewAsync(world.Physician, id);
        Assert.Equal("DesignReview", (string?)overview["state"]);
        Assert.True((bool)overview["canViewFiles"]!);
        Assert.Equal(plate, await world.Physician.GetByteArrayAsync(new Uri($"/api/orders/{id}/designs/{version["id"]}/files/{model["id"]}", UriKind.Relative)));
        using var unsigned = await world.Physician.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "DesignApproved" });
        Assert.Equal("DesignUnsigned", (string?)JsonNode.Parse(await unsigned.Content.ReadAsStringAsync())!["unmet"]![0]);

        // The signature: the order moves, the record shows real name, licence, meaning and time, and it verifies.
        using var signed = await DesignFlow.SignAsync(world, world.Physician, DesignWorld.PhysicianName, id, "approve for manufacture");
        var signature = JsonNode.Parse(await signed.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Equal("测试dr.li", (string?)signature["signerName"]);
        Assert.Equal("110110000012345", (string?)signature["licenceNumber"]);
        Assert.Equal("approve for manufacture", (string?)signature["meaning"]);
        var document = JsonNode.Parse((string)signature["document"]!)!;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(plate)), (string?)document["files"]!.AsArray().Single(f => (string?)f!["kind"] == "Model")!["sha256"]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(report)), (string?)document["files"]!.AsArray().Single(f => (string?)f!["kind"] == "Report")!["sha256"]);

        // OpenSSL (not our code) verifies the signature with the published key.
        var key = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri("/api/signatures/public-key", UriKind.Relative)))!;
        Assert.True(await OpenSslVerifiesAsync((string)key["publicKeyPem"]!, (string)signature["document"]!, Convert.FromBase64String((string)signature["signature"]!)));

        var approved = await DesignFlow.OverviewAsync(world.Operator, id);
        Assert.Equal("DesignApproved", (string?)approved["state"]);
        Assert.Equal("valid", (string?)approved["signatures"]![0]!["status"]);
        Assert.False((bool)approved["canViewFiles"]!);

        // Nothing for the factory before release; start-manufacturing waits for the package.
        using var early = await world.Operator.GetAsync(new Uri($"/api/orders/{id}/design/package", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, early.StatusCode);
        using var tooSoon = await world.Operator.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "Manufacturing" });
        Assert.Equal("PackageNotReleased", (string?)JsonNode.Parse(await tooSoon.Content.ReadAsStringAsync())!["unmet"]![0]);
        using var operatorRelease = await world.Operator.PostAsync(new Uri($"/api/orders/{id}/design/release", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Forbidden, operatorRelease.StatusCode);

        using var released = await world.Designer.PostAsync(new Uri($"/api/orders/{id}/design/release", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        using var twice = await world.Designer.PostAsync(new Uri($"/api/orders/{id}/design/release", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);

        // The package: the AM files and a manifest naming their hashes and the signature; the physician does not get it.
        var zipBytes = await world.Operator.GetByteArrayAsync(new Uri($"/api/orders/{id}/design/package", UriKind.Relative));
        using var zip = new ZipArchive(new MemoryStream(zipBytes));
        var manifest = JsonNode.Parse(await new StreamReader(zip.GetEntry("manifest.json")!.Open()).ReadToEndAsync())!;
        var entry = zip.Entries.Single(e => e.FullName.StartsWith("models/", StringComparison.Ordinal));
        using var entryBytes = new MemoryStream();
        await entry.Open().CopyToAsync(entryBytes);
        Assert.Equal(plate, entryBytes.ToArray());
        Assert.Equal((string?)manifest["files"]![0]!["sha256"], Convert.ToHexStringLower(SHA256.HashData(plate)));
        Assert.Equal((string?)signature["signature"], (string?)manifest["approval"]!["signature"]);
        using var physicianPackage = await world.Physician.GetAsync(new Uri($"/api/orders/{id}/design/package", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, physicianPackage.StatusCode);

        // The public service the production feature reads agrees, and the factory may now start.
        using (var scope = world.Factory.Services.CreateScope())
        {
            var package = await scope.ServiceProvider.GetRequiredService<Trabecula.Server.Features.Designs.DesignReleases>().GetReleasedPackageAsync(Guid.Parse(id));
            Assert.Equal(1, package!.VersionNumber);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(plate)), package.Files.Single().Sha256);
        }

        var manufacturing = await DesignFlow.MoveAsync(world.Operator, id, "Manufacturing");
        Assert.Equal("Manufacturing", (string?)manufacturing["state"]);
    }

    [Fact]
    [Trait("Requirement", "R-DATA-5")]
    [Trait("TestPlan", "UP-04")]
    [Trait("TestPlan", "UP-05")]
    public async Task MalformedModels_And_AFakeReport_Are422WithTheirPosition_AndNothingIsStored()
    {
        await using var world = await DesignFlow.CreateWorldAsync(DatabaseKind.Sqlite);
        var id = await DesignFlow.OrderInDesigningAsync(world);
        var plate = await DesignSamples.PlateBytesAsync();
        var blobsBefore = BlobCount(world.Factory);

        using var truncated = await DesignFlow.PostVersionAsync(world.Designer, id, plate[..1000]);
        var problem = JsonNode.Parse(await truncated.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.UnprocessableEntity, truncated.StatusCode);
        Assert.Equal("urn:trabecula:problem:unprocessable-content", (string?)problem["type"]);
        Assert.True((long)problem["offset"]! >= 0, problem.ToJsonString());

        using var ascii = await DesignFlow.PostVersionAsync(world.Designer, id, "solid x\n facet normal 0 0 1\n  outer loop\n   vertex 0 0 nan\n"u8.ToArray());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, ascii.StatusCode);
        Assert.True((int)JsonNode.Parse(await ascii.Content.ReadAsStringAsync())!["line"]! > 0);

        using var amf = await DesignFlow.PostVersionAsync(world.Designer, id, "<?xml version=\"1.0\"?><!DOCTYPE amf [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><amf>&x;</amf>"u8.ToArray(), "plate.amf");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, amf.StatusCode);

        using var html = await DesignFlow.PostVersionAsync(world.Designer, id, plate, report: "<html><script>alert(1)</script></html>"u8.ToArray());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, html.StatusCode);

        Assert.True(BlobCount(world.Factory) == blobsBefore, "a refused upload must leave nothing on disk");
        Assert.Empty((await DesignFlow.OverviewAsync(world.Designer, id))["versions"]!.AsArray());
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-DES-1")]
    [Trait("TestPlan", "INT-04")]
    [Trait("TestPlan", "AUTH-01")]
    public async Task Signing_RefusesWrongPassword_WrongOrReplayedTotp_AndAnotherUsersCredentials(DatabaseKind kind)
    {
        await using var world = await DesignFlow.CreateWorldAsync(kind);
        var id = await DesignFlow.OrderInDesigningAsync(world);
        var version = await DesignFlow.UploadVersionAsync(world.Designer, id, await DesignSamples.PlateBytesAsync());
        await DesignFlow.SubmitAsync(world.Designer, id, (string)version["id"]!);

        using var wrongPassword = await DesignFlow.SignAsync(world, world.Physician, DesignWorld.PhysicianName, id, "approve", password: "not-the-password-1");
        using var wrongCode = await DesignFlow.SignAsync(world, world.Physician, DesignWorld.PhysicianName, id, "approve", totp: "000000");
        var code = MfaHelper.NextCode(world.Factory, DesignWorld.PhysicianName);
        using var rejectWithoutReason = await DesignFlow.SignAsync(world, world.Physician, DesignWorld.PhysicianName, id, "reject", totp: code);
        using var used = await DesignFlow.SignAsync(world, world.Physician, DesignWorld.PhysicianName, id, "reject", reason: "hole too close to the rim", totp: code);
        using var replayed = await DesignFlow.SignAsync(world, world.Physician, DesignWorld.PhysicianName, id, "approve", totp: code);

        // Dr Wang's session with Dr Li's current code: the session's own account is checked, so it fails.
        using var otherSession = await DesignFlow.SignAsync(world, world.SecondPhysician, DesignWorld.SecondPhysicianName, id, "approve",
            totp: MfaHelper.NextCode(world.Factory, DesignWorld.PhysicianName));
        using var designer = await world.Designer.PostAsJsonAsync($"/api/orders/{id}/design/signatures", new { meaning = "approve", password = TestAccounts.Password, totpCode = "123456" });

        Assert.Equal(HttpStatusCode.Forbidden, wrongPassword.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrongCode.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, rejectWithoutReason.StatusCode);
        Assert.Equal(HttpStatusCode.OK, used.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, replayed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, designer.StatusCode);

        // The rejection moved the order back to Designing with its reason; the other session's attempt found nothing to sign or failed re-authentication.
        Assert.True(otherSession.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Conflict);
        var overview = await DesignFlow.OverviewAsync(world.Designer, id);
        Assert.Equal("Designing", (string?)overview["state"]);
        var only = overview["signatures"]!.AsArray().Single()!;
        Assert.Equal("reject", (string?)only["meaning"]);
        Assert.Equal("hole too close to the rim", (string?)only["reason"]);

        // Now under review again, the replayed code and Dr Li's credentials in Dr Wang's session are refused as re-authentication.
        await DesignFlow.SubmitAsync(world.Designer, id, (string)version["id"]!);
        using var replayedAgain = await DesignFlow.SignAsync(world, world.Physician, DesignWorld.PhysicianName, id, "approve", totp: code);
        using var crossSession = await DesignFlow.SignAsync(world, world.SecondPhysician, DesignWorld.SecondPhysicianName, id, "approve",
            totp: MfaHelper.NextCode(world.Factory, DesignWorld.PhysicianName));
        Assert.Equal(HttpStatusCode.Forbidden, replayedAgain.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, crossSession.StatusCode);
        Assert.Equal("DesignReview", (string?)(await DesignFlow.OverviewAsync(world.Designer, id))["state"]);
        Assert.Single((await DesignFlow.OverviewAsync(world.Designer, id))["signatures"]!.AsArray());
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-DES-1")]
    [Trait("TestPlan", "AZ-04")]
    public async Task TwoParallelApprovals_ExactlyOneIsRecorded(DatabaseKind kind)
    {
        await using var world = await DesignFlow.CreateWorldAsync(kind);
        var id = await DesignFlow.OrderInDesigningAsync(world);
        var version = await DesignFlow.UploadVersionAsync(world.Designer, id, await DesignSamples.PlateBytesAsync());
        await DesignFlow.SubmitAsync(world.Designer, id, (string)version["id"]!);

        world.Time.Advance(TimeSpan.FromSeconds(31));
        var first = world.Physician.PostAsJsonAsync($"/api/orders/{id}/design/signatures",
            new { meaning = "approve", password = TestAccounts.Password, totpCode = MfaHelper.NextCode(world.Factory, DesignWorld.PhysicianName) });
        var second = world.SecondPhysician.PostAsJsonAsync($"/api/orders/{id}/design/signatures",
            new { meaning = "approve", password = TestAccounts.Password, totpCode = MfaHelper.NextCode(world.Factory, DesignWorld.SecondPhysicianName) });
        var responses = await Task.WhenAll(first, second);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], responses.Select(r => r.StatusCode).Order());
        using var scope = world.Factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
        Assert.Equal(1, await db.DesignSignatures.CountAsync());
        Assert.Equal(1, await db.StateTransitions.CountAsync(t => t.Name == "approve-design"));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-DES-1")]
    [Trait("Requirement", "R-XFER-3")]
    [Trait("TestPlan", "INT-04")]
    public async Task FileTamperedAfterSigning_VerificationFails_AndManufactureIsBlocked(DatabaseKind kind)
    {
        await using var world = await DesignFlow.CreateWorldAsync(kind);
        var id = await DesignFlow.OrderInDesigningAsync(world);
        var package = await DesignFlow.ApproveAndReleaseAsync(world, id);

        // Someone with disk access flips one byte of the stored model.
        string key;
        using (var scope = world.Factory.Services.CreateScope())
        {
            var fileId = Guid.Parse((string)package["files"]![0]!["id"]!);
            key = await scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>().DesignFiles.Where(f => f.Id == fileId).Select(f => f.BlobKey).SingleAsync();
        }

        var blob = Directory.GetFiles(world.Factory.DataDirectory, "*", SearchOption.AllDirectories).Where(p => p.Contains(key, StringComparison.Ordinal)).OrderBy(p => p, StringComparer.Ordinal).Last();
        var bytes = await File.ReadAllBytesAsync(blob);
        bytes[^10] ^= 0x01;
        await File.WriteAllBytesAsync(blob, bytes);

        var overview = await DesignFlow.OverviewAsync(world.Physician, id);
        var signature = overview["signatures"]![0]!;
        Assert.Equal("void", (string?)signature["status"]);
        Assert.Contains("files-changed", signature["problems"]!.AsArray().Select(p => (string?)p));
        using var start = await world.Operator.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "Manufacturing" });
        Assert.Equal(HttpStatusCode.Conflict, start.StatusCode);
        Assert.Equal("PackageInvalid", (string?)JsonNode.Parse(await start.Content.ReadAsStringAsync())!["unmet"]![0]);
        using var download = await world.Operator.GetAsync(new Uri($"/api/orders/{id}/design/package", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Conflict, download.StatusCode);
        Assert.Equal("DesignApproved", (string?)(await DesignFlow.OverviewAsync(world.Operator, id))["state"]);

        if (kind == DatabaseKind.Sqlite)
        {
            // The command line (another process on the same data folder) says the same, naming the order, and prints the public key.
            var verify = await ServerProcess.RunCliAsync(["signatures", "verify", "--data", world.Factory.DataDirectory]);
            Assert.Equal(1, verify.ExitCode);
            Assert.Contains("BEGIN PUBLIC KEY", verify.StandardOutput, StringComparison.Ordinal);
            Assert.Matches("FAILED TB-\\d{4}-000001 .*files-changed", verify.StandardOutput);
        }
    }

    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-DES-2")]
    [Trait("TestPlan", "AZ-04")]
    public async Task ChangeAfterApproval_NeedsItsVandVRecord_SupersedesTheApproval_AndANewApprovalIsRequired(DatabaseKind kind)
    {
        await using var world = await DesignFlow.CreateWorldAsync(kind);
        var id = await DesignFlow.OrderInDesigningAsync(world);
        await DesignFlow.ApproveAndReleaseAsync(world, id);

        using var bare = await world.Designer.PostAsJsonAsync($"/api/orders/{id}/transitions", new { to = "Designing" });
        Assert.Equal("DesignChangeUnrecorded", (string?)JsonNode.Parse(await bare.Content.ReadAsStringAsync())!["unmet"]![0]);
        using var empty = await world.Designer.PostAsJsonAsync($"/api/orders/{id}/design/changes", new { whatChanged = "thicker wall" });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        using var change = await world.Designer.PostAsJsonAsync($"/api/orders/{id}/design/changes",
            new { whatChanged = "wall 2 mm → 3 mm", why = "surgeon asked for stiffness", evidence = "FEA report FEA-17, deflection 0.2 mm at 500 N" });
        Assert.Equal(HttpStatusCode.OK, change.StatusCode);

        // The old approval stays, superseded; the package is withdrawn; the factory cannot start.
        var overview = await DesignFlow.OverviewAsync(world.Physician, id);
        Assert.Equal("Designing", (string?)overview["state"]);
        Assert.Equal("superseded", (string?)overview["signatures"]![0]!["status"]);
        Assert.Null(overview["package"]);
        Assert.Equal("surgeon asked for stiffness", (string?)overview["changes"]![0]!["why"]);

        var v2 = await DesignFlow.UploadVersionAsync(world.Designer, id, await DesignSamples.PlateBytesAsync(3), await DesignSamples.ReportPdfAsync(), "3 mm wall");
        Assert.Equal(2, (int)v2["number"]!);
        await DesignFlow.SubmitAsync(world.Designer, id, (string)v2["id"]!);

        // Comparison: the inner surface moved by 1 mm (plus the facets' sagitta, about 0.2 mm at $fn=40); the outer did not.
        var compare = JsonNode.Parse(await world.Physician.GetStringAsync(new Uri($"/api/orders/{id}/designs/compare?from=1&to=2", UriKind.Relative)))!;
        Assert.InRange((double)compare["maxDeviationMm"]!, 0.9, 1.3);
        Assert.InRange((double)compare["meanDeviationMm"]!, 0.05, 0.9);
        Assert.True((double)compare["volumeChangeMm3"]! > 0);
        Assert.Equal((int)compare["to"]!["triangles"]! * 3, compare["cornerDeviationMm"]!.AsArray().Count);

        using var signed = await DesignFlow.SignAsync(world, world.Physician, DesignWorld.PhysicianName, id, "approve for manufacture");
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        var after = await DesignFlow.OverviewAsync(world.Physician, id);
        Assert.Equal(["superseded", "valid"], after["signatures"]!.AsArray().Select(s => (string?)s!["status"]));
        Assert.Equal(2, (int)after["signatures"]![1]!["versionNumber"]!);
        using var released = await world.Designer.PostAsync(new Uri($"/api/orders/{id}/design/release", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        Assert.Equal(2, (int)JsonNode.Parse(await released.Content.ReadAsStringAsync())!["versionNumber"]!);
    }

    [Fact]
    [Trait("Requirement", "R-DES-1")]
    [Trait("Requirement", "R-DATA-2")]
    public async Task ReviewRequest_Expires_AndAnApprovalIsVoidWhenThePatientDataChangesOrExpires()
    {
        // A CT acquired 2024-03-15 for a cranial plate (profile: 90 days); the clock starts 2024-04-01.
        await using var world = await DesignFlow.CreateWorldAsync(DatabaseKind.Sqlite, new DateTimeOffset(2024, 4, 1, 8, 0, 0, TimeSpan.Zero),
            new Dictionary<string, string?> { ["Designs:ReviewValidityDays"] = "2" });
        var id = await DesignFlow.OrderInDesigningAsync(world, "CranialPlate");
        var version = await DesignFlow.UploadVersionAsync(world.Designer, id, await DesignSamples.PlateBytesAsync());
        await DesignFlow.SubmitAsync(world.Designer, id, (string)version["id"]!);

        // Three days later the request has expired: no signature; the designer submits again.
        world.Time.Advance(TimeSpan.FromDays(3));
        await world.SignInAgainAsync();
        Assert.True((bool)(await DesignFlow.OverviewAsync(world.Physician, id))["requests"]![0]!["expired"]!);
        using var late = await DesignFlow.SignAsync(world, world.Physician, DesignWorld.PhysicianName, id, "approve");
        Assert.Equal("ReviewExpired", (string?)JsonNode.Parse(await late.Content.ReadAsStringAsync())!["unmet"]![0]);
        await DesignFlow.SubmitAsync(world.Designer, id, (string)version["id"]!);
        using var signed = await DesignFlow.SignAsync(world, world.Physician, DesignWorld.PhysicianName, id, "approve");
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Equal("valid", (string?)(await DesignFlow.OverviewAsync(world.Physician, id))["signatures"]![0]!["status"]);

        // The data ages past its 90 days before manufacture: the approval is void, release and start are refused.
        world.Time.Advance(TimeSpan.FromDays(80));
        await world.SignInAgainAsync();
        var expired = (await DesignFlow.OverviewAsync(world.Physician, id))["signatures"]![0]!;
        Assert.Equal("void", (string?)expired["status"]);
        Assert.Contains("patient-data-expired", expired["problems"]!.AsArray().Select(p => (string?)p));
        using var release = await world.Designer.PostAsync(new Uri($"/api/orders/{id}/design/release", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, release.StatusCode);

        // New confirmed data changes the fingerprint too.
        await DicomSamples.UploadAndConfirmAsync(world.Physician, id);
        var changed = (await DesignFlow.OverviewAsync(world.Physician, id))["signatures"]![0]!;
        Assert.Contains("patient-data-changed", changed["problems"]!.AsArray().Select(p => (string?)p));
    }

    [Fact]
    [Trait("Requirement", "R-XFER-2")]
    [Trait("TestPlan", "AZ-02")]
    public async Task Outsiders_GetNotFound_AndPinsNeedTheViewPermission()
    {
        await using var world = await DesignFlow.CreateWorldAsync(DatabaseKind.Sqlite);
        var id = await DesignFlow.OrderInDesigningAsync(world);
        var version = await DesignFlow.UploadVersionAsync(world.Designer, id, await DesignSamples.PlateBytesAsync());
        var other = await TestAccounts.OrganizationAsync(world.Factory, "Other Design", Trabecula.Server.Features.Organizations.PartyTypes.Designer);
        await TestAccounts.UserAsync(world.Factory, "outsider", Trabecula.Server.Features.Accounts.Roles.Designer, organization: other);
        using var outsider = await TestAccounts.SignedInAsync(world.Factory, "outsider");

        using var overview = await outsider.GetAsync(new Uri($"/api/orders/{id}/design", UriKind.Relative));
        using var upload = await DesignFlow.PostVersionAsync(outsider, id, await DesignSamples.PlateBytesAsync());
        Assert.Equal(HttpStatusCode.NotFound, overview.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, upload.StatusCode);

        using var factoryPin = await world.Operator.PostAsJsonAsync($"/api/orders/{id}/designs/{version["id"]}/pins", new { x = 1.0, y = 2.0, z = 3.0, text = "here" });
        using var pin = await world.Designer.PostAsJsonAsync($"/api/orders/{id}/designs/{version["id"]}/pins", new { x = 20.0, y = 0.0, z = 56.0, text = "check the hole" });
        Assert.Equal(HttpStatusCode.Forbidden, factoryPin.StatusCode);
        Assert.Equal(HttpStatusCode.Created, pin.StatusCode);
        Assert.Equal("check the hole", (string?)(await DesignFlow.OverviewAsync(world.Designer, id))["pins"]![0]!["text"]);
    }

    private static int BlobCount(TrabeculaFactory factory) =>
        Directory.Exists(Path.Combine(factory.DataDirectory, "blobs")) ? Directory.GetFiles(Path.Combine(factory.DataDirectory, "blobs"), "*", SearchOption.AllDirectories).Length : 0;

    private static async Task<bool> OpenSslVerifiesAsync(string publicKeyPem, string document, byte[] p1363)
    {
        using var temp = new TempDirectory();
        await File.WriteAllTextAsync(temp.Combine("key.pem"), publicKeyPem);
        await File.WriteAllBytesAsync(temp.Combine("message"), [.. "TRABECULA-DESIGN-SIGNATURE-V1\n"u8.ToArray(), .. System.Text.Encoding.UTF8.GetBytes(document)]);
        using (var ecdsa = ECDsa.Create())
        {
            // OpenSSL wants DER (RFC 3279); the record keeps IEEE P1363 r||s.
            ecdsa.ImportFromPem(publicKeyPem);
            await File.WriteAllBytesAsync(temp.Combine("sig.der"), ConvertToDer(p1363));
        }

        var result = await ProcessRunner.RunAsync("openssl", ["dgst", "-sha256", "-verify", temp.Combine("key.pem"), "-signature", temp.Combine("sig.der"), temp.Combine("message")]);
        return result.ExitCode == 0 && result.StandardOutput.Contains("Verified OK", StringComparison.Ordinal);
    }

    private static byte[] ConvertToDer(byte[] p1363)
    {
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteIntegerUnsigned(p1363.AsSpan(0, 32));
            writer.WriteIntegerUnsigned(p1363.AsSpan(32, 32));
        }

        return writer.Encode();
    }
}
