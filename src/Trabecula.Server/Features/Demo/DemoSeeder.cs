using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Features.Organizations;
using Trabecula.Server.Features.Production;

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

        await SeedFactoryRecordsAsync(now, cancellationToken);
        return accounts;
    }

    /// <summary>
    /// The demo factory's master records (a powder, one lot of it, a printer, a steam cycle), so
    /// that a newcomer can record every production step on the pages right away: in a real factory
    /// these come from its ERP through /api/production/*, which has no page of its own.
    /// </summary>
    private async Task SeedFactoryRecordsAsync(DateTime now, CancellationToken cancellationToken)
    {
        var factory = await db.Organizations.SingleAsync(o => o.Name == Organizations[2].Name, cancellationToken);
        if (await db.Materials.AnyAsync(m => m.ManufacturerId == factory.Id, cancellationToken))
        {
            return;
        }

        var material = new Material
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            ManufacturerId = factory.Id,
            Name = "Ti-6Al-4V ELI 粉末（示范）",
            Specification = "ASTM F3001 Grade 23",
            Supplier = "示范粉末供应商",
            CreatedAt = now,
            UpdatedAt = now,
        };
        var today = DateOnly.FromDateTime(now);
        var lot = new MaterialLot
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            ManufacturerId = factory.Id,
            MaterialId = material.Id,
            LotNumber = "DEMO-POWDER-0001",
            CertificateNumber = "DEMO-COA-0001",
            ReceivedOn = today,
            ExpiresOn = today.AddYears(2),
            CreatedAt = now,
            UpdatedAt = now,
        };
        var machine = new ProductionMachine
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            ManufacturerId = factory.Id,
            Name = "示范金属打印机",
            Model = "EOS M 290",
            SerialNumber = "DEMO-M290-0001",
            Process = ProcessKind.LPBF,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var cycle = new SterilizationBatch
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            ManufacturerId = factory.Id,
            Method = SterilizationMethod.Steam,
            CycleId = "DEMO-STEAM-0001",
            Sterilizer = "Getinge GSS67",
            Parameters = "134 °C, 5 min, 3 pre-vacuum pulses",
            IndicatorResult = IndicatorResult.Pass,
            StartedAt = now.AddHours(-2),
            EndedAt = now.AddHours(-1),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Materials.Add(material);
        db.MaterialLots.Add(lot);
        db.ProductionMachines.Add(machine);
        db.SterilizationBatches.Add(cycle);
        await db.SaveChangesAsync(cancellationToken);
        foreach (var (type, id) in new[] { ("material", material.Id), ("material-lot", lot.Id), ("machine", machine.Id), ("sterilization-batch", cycle.Id) })
        {
            await audit.RecordAsync(new AuditEvent(AuditAction.DataCreated) { Actor = Seeder, TargetType = type, TargetId = id.ToString() }, cancellationToken);
        }
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
