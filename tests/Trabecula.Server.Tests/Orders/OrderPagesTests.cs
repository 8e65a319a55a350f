using System.Net;
using System.Text.RegularExpressions;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Tests.Infrastructure;

namespace Trabecula.Server.Tests.Orders;

public sealed partial class OrderPagesTests
{
    [Fact]
    [Trait("Requirement", "R-CASE-2")]
    [Trait("Requirement", "R-CASE-5")]
    public async Task Physician_CreatesOrderAndMovesItOnThePages()
    {
        await using var factory = await TrabeculaFactory.CreateAsync(DatabaseKind.Sqlite);
        var hospital = await TestAccounts.OrganizationAsync(factory, "Hospital A", PartyTypes.MedicalInstitution);
        await TestAccounts.UserAsync(factory, "dr.li", Roles.Physician, organization: hospital);
        await TestAccounts.UserAsync(factory, "outsider", Roles.Designer, organization: await TestAccounts.OrganizationAsync(factory, "Other Design", PartyTypes.Designer));
        await MfaHelper.EnrolAsync(factory, "dr.li");
        using var physician = await MfaHelper.SignedInWithMfaAsync(factory, "dr.li");
        using var outsider = await TestAccounts.SignedInAsync(factory, "outsider");

        var form = await physician.GetStringAsync(new Uri("/orders/new", UriKind.Relative));
        using var create = await physician.PostAsync(new Uri("/orders/new", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Form.PatientName"] = "王五",
            ["Form.PatientSex"] = "F",
            ["Form.DeviceCategory"] = "SurgicalGuide",
            ["Form.ClinicalRequirement"] = "<script>alert(1)</script> guide for 4 implants",
            ["__RequestVerificationToken"] = Antiforgery.FormToken(form),
        }));
        Assert.Equal(HttpStatusCode.Redirect, create.StatusCode);
        var detailUrl = create.Headers.Location!.OriginalString;
        var detail = await physician.GetStringAsync(new Uri(detailUrl, UriKind.Relative));
        using var move = await physician.PostAsync(new Uri(detailUrl, UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["to"] = "DataCollected",
            ["version"] = Version().Match(detail).Groups[1].Value,
            ["reason"] = "CT uploaded",
            ["__RequestVerificationToken"] = Antiforgery.FormToken(detail),
        }));
        var after = await physician.GetStringAsync(new Uri(detailUrl, UriKind.Relative));
        var list = await physician.GetStringAsync(new Uri("/orders", UriKind.Relative));
        using var hidden = await outsider.GetAsync(new Uri(detailUrl, UriKind.Relative));

        Assert.Contains("王五", detail, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)</script>", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, move.StatusCode);
        Assert.Contains("采集患者数据", after, StringComparison.Ordinal);
        Assert.Contains("CT uploaded", after, StringComparison.Ordinal);
        Assert.Contains("order-link", list, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
    }

    [GeneratedRegex("name=\"version\" value=\"(\\d+)\"")]
    private static partial Regex Version();
}
