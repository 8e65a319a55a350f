using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Organizations;

namespace Trabecula.Server.Features.Demo;

/// <summary>One demo account and the password it was given (shown once, never stored in clear).</summary>
internal sealed record DemoAccount(string Organization, string Role, string UserName, string? OneTimePassword);

/// <summary>
/// Creates the demo parties of T/CAMDI 028 clause 4 (a hospital, a design house, a factory, a
/// registrant, and the platform operator) with one verified user per role, each holding a
/// random one-time password that must be changed at first sign-in. Running it again adds what
/// is missing and leaves existing accounts and their passwords alone.
/// </summary>
internal sealed class DemoSeeder(TrabeculaDbContext db, UserManager<TrabeculaUser> users, IAuditLog audit, TimeProvider time)
{
    private static readonly AuditActor Seeder = AuditActor.System("trabecula demo seed");

    private static readonly DemoOrganization[] Organizations =
    [
        new("示范医院（华东）", PartyTypes.MedicalInstitution, PracticeLicence: "PDY00000131010000000", Production: null, Registration: null,
            [("demo.physician", "李医生", Roles.Physician), ("demo.hospital.admin", "王管理员", Roles.InstitutionAdmin)]),
        new("示范设计中心", PartyTypes.Designer, PracticeLicence: null, Production: null, Registration: null,
            [("demo.designer", "陈设计师", Roles.Designer), ("demo.design.admin", "赵管理员", Roles.OrgAdmin)]),
        new("示范增材制造工厂", PartyTypes.Manufacturer, PracticeLicence: null, Production: "沪食药监械生产许00000000号", Registration: null,
            [("demo.operator", "孙操作员", Roles.ProductionOperator), ("demo.inspector", "周质检员", Roles.QualityInspector), ("demo.factory.admin", "吴管理员", Roles.OrgAdmin)]),
        new("示范器械注册人", PartyTypes.MarketingAuthorizationHolder, PracticeLicence: null, Production: null, Registration: "国械注准00000000000",
            [("demo.regulatory", "郑法规专员", Roles.RegulatoryOfficer)]),
        new("Trabecula 平台运营方", PartyTypes.PlatformOperator, PracticeLicence: null, Production: null, Registration: null,
            [("demo.platform.admin", "冯系统管理员", Roles.PlatformAdmin), ("demo.security.admin", "褚安全管理员", Roles.SecurityAdmin), ("demo.auditor", "卫审计员", Roles.Auditor)]),
    ];

    public async Task<IReadOnlyList<DemoAccount>> SeedAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var accounts = new List<DemoAccount>();
        foreach (var spec in Organizations)
        {
            var organization = await db.Organizations.SingleOrDefaultAsync(o => o.Name == spec.Name, cancellationToken);
            if (organization is null)
            {
                organization = new Organization
                {
                    Id = Guid.CreateVersion7(time.GetUtcNow()),
                    Name = spec.Name,
                    PartyTypes = spec.Types,
                    PracticeLicenceNumber = spec.PracticeLicence,
                    ProductionLicenceNumber = spec.Production,
                    RegistrationNumber = spec.Registration,
                    CreatedAt = now,
                };
                db.Organizations.Add(organization);
                await db.SaveChangesAsync(cancellationToken);
                await audit.RecordAsync(new AuditEvent(AuditAction.OrganizationCreated)
                {
                    Actor = Seeder,
                    TargetType = "organization",
                    TargetId = organization.Id.ToString(),
                    Details = new Dictionary<string, object?> { ["partyTypes"] = spec.Types.ToString() },
                }, cancellationToken);
            }

            foreach (var (userName, legalName, role) in spec.Users)
            {
                if (await users.FindByNameAsync(userName) is not null)
                {
                    accounts.Add(new DemoAccount(spec.Name, role, userName, OneTimePassword: null));
                    continue;
                }

                var password = OneTimePasswords.New();
                var user = new TrabeculaUser
                {
                    Id = Guid.CreateVersion7(time.GetUtcNow()),
                    UserName = userName,
                    OrganizationId = organization.Id,
                    LegalName = legalName,

                    // A demo physician signs design approvals, which carry a practitioner licence number.
                    PractitionerLicenceNumber = role == Roles.Physician ? "110310000000001" : null,
                    Status = AccountStatus.Active,
                    MustChangePassword = true,
                    CreatedAt = now,
                    LockoutEnabled = true,
                };
                Check(await users.CreateAsync(user, password), userName);
                Check(await users.AddToRoleAsync(user, role), userName);
                await audit.RecordAsync(new AuditEvent(AuditAction.UserInvited)
                {
                    Actor = Seeder,
                    TargetType = "user",
                    TargetId = user.Id.ToString(),
                    Details = new Dictionary<string, object?> { ["role"] = role, ["realNameVerified"] = true },
                }, cancellationToken);
                accounts.Add(new DemoAccount(spec.Name, role, userName, password));
            }
        }

        return accounts;
    }

    private static void Check(IdentityResult result, string userName)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not create demo user {userName}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }

    private sealed record DemoOrganization(
        string Name,
        PartyTypes Types,
        string? PracticeLicence,
        string? Production,
        string? Registration,
        (string UserName, string LegalName, string Role)[] Users);
}
