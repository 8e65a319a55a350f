using System.Net;
using System.Text.Json.Nodes;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Audit;

public sealed class AuditApiTests
{
    [Theory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.PostgreSql)]
    [Trait("Requirement", "R-SEC-2")]
    [Trait("TestPlan", "INT-03")]
    public async Task Auditor_SearchesAndExportsInEveryFormat(DatabaseKind kind)
    {
        await using var factory = await TrabeculaFactory.CreateAsync(kind);
        await TestAccounts.UserAsync(factory, "auditor", Roles.Auditor);
        await MfaHelper.EnrolAsync(factory, "auditor");
        await TestAccounts.UserAsync(factory, "victim", Roles.Designer);
        (await TestAccounts.LoginAsync(TestAccounts.Client(factory), "victim", "=HYPERLINK(\"http://x\")-wrong")).Dispose();
        using var auditor = await MfaHelper.SignedInWithMfaAsync(factory, "auditor");

        using var failures = await auditor.GetAsync(new Uri("/api/audit/entries?action=SignInFailed&actor=victim", UriKind.Relative));
        using var page = await auditor.GetAsync(new Uri("/api/audit/entries?pageSize=1", UriKind.Relative));
        using var csv = await auditor.GetAsync(new Uri("/api/audit/export?format=csv", UriKind.Relative));
        using var jsonl = await auditor.GetAsync(new Uri("/api/audit/export?format=jsonl", UriKind.Relative));
        using var fhir = await auditor.GetAsync(new Uri("/api/audit/export?format=fhir", UriKind.Relative));
        using var verify = await auditor.GetAsync(new Uri("/api/audit/verify", UriKind.Relative));
        using var badAction = await auditor.GetAsync(new Uri("/api/audit/entries?action=Nonsense", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, failures.StatusCode);
        var items = JsonNode.Parse(await failures.Content.ReadAsStringAsync())!["items"]!.AsArray();
        Assert.Single(items);
        Assert.Equal("Failed", (string?)items[0]!["outcome"]);
        Assert.NotNull(JsonNode.Parse(await page.Content.ReadAsStringAsync())!["nextBefore"]);

        var csvText = await csv.Content.ReadAsStringAsync();
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("sequence,occurredAtUtc", csvText.TrimStart('\uFEFF'), StringComparison.Ordinal);
        Assert.DoesNotContain("\n=", csvText, StringComparison.Ordinal);
        Assert.DoesNotContain(",=", csvText, StringComparison.Ordinal);

        var lines = (await jsonl.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.NotNull(JsonNode.Parse(line)!["hash"]));

        var bundle = JsonNode.Parse(await fhir.Content.ReadAsStringAsync())!;
        Assert.Equal("Bundle", (string?)bundle["resourceType"]);
        foreach (var entry in bundle["entry"]!.AsArray())
        {
            var resource = entry!["resource"]!;
            Assert.Equal("AuditEvent", (string?)resource["resourceType"]);
            Assert.NotNull(resource["type"]!["code"]);
            Assert.NotNull(resource["recorded"]);
            Assert.NotNull(resource["source"]!["observer"]);
            Assert.True((bool)resource["agent"]![0]!["requestor"]!);
        }

        Assert.True((bool)JsonNode.Parse(await verify.Content.ReadAsStringAsync())!["isValid"]!);
        Assert.Equal(HttpStatusCode.BadRequest, badAction.StatusCode);
        Assert.Equal(3, (await Accounts.SignInTests.AuditAsync(factory, AuditAction.AuditExported)).Count);
    }

    [Theory]
    [InlineData("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    [InlineData("plain", "plain")]
    [Trait("TestPlan", "INJ-03")]
    public void CsvCell_EscapesFormulasAndSeparators(string value, string expected)
    {
        Assert.Equal(expected, AuditExport.CsvCell(value));
    }

    [Fact]
    [Trait("Requirement", "R-SEC-2")]
    public async Task Verify_FromTheCommandLine_ReportsOkThenTheTamperedSequence()
    {
        using var data = new TempDirectory();
        var seed = await ServerProcess.RunCliAsync(["demo", "seed", "--data", data.Path]);
        Assert.Equal(0, seed.ExitCode);

        var ok = await ServerProcess.RunCliAsync(["audit", "verify", "--data", data.Path]);
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data.Path, "trabecula.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "DROP TRIGGER \"AuditEntries_no_update\"; UPDATE \"AuditEntries\" SET \"ActorName\" = 'someone-else' WHERE \"Sequence\" = 4;";
            await command.ExecuteNonQueryAsync();
        }

        var tampered = await ServerProcess.RunCliAsync(["audit", "verify", "--data", data.Path]);

        Assert.Equal(0, ok.ExitCode);
        Assert.StartsWith("OK:", ok.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, tampered.ExitCode);
        Assert.Contains("first bad sequence 4", tampered.StandardOutput, StringComparison.Ordinal);
    }
}
