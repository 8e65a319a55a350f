using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;
using Trabecula.Server.Infrastructure.Errors;
using Trabecula.Server.Infrastructure.Security;

namespace Trabecula.Server.Features.Organizations;

public sealed record OrganizationResponse(
    Guid Id,
    string Name,
    IReadOnlyList<string> PartyTypes,
    string? PracticeLicenceNumber,
    string? ProductionLicenceNumber,
    string? RegistrationNumber,
    DateTime CreatedAt)
{
    public static OrganizationResponse From(Organization o) => new(o.Id, o.Name,
        [.. Enum.GetValues<PartyTypes>().Where(t => t != Organizations.PartyTypes.None && o.Has(t)).Select(t => t.ToString())],
        o.PracticeLicenceNumber, o.ProductionLicenceNumber, o.RegistrationNumber, o.CreatedAt);
}

public sealed record CreateOrganizationRequest(
    [property: Required, MaxLength(200)] string? Name,
    IReadOnlyList<string>? PartyTypes,
    [property: MaxLength(64)] string? PracticeLicenceNumber,
    [property: MaxLength(64)] string? ProductionLicenceNumber,
    [property: MaxLength(64)] string? RegistrationNumber);

/// <summary>Organizations (R-ORG-1). Platform administrators create them; everyone else sees their own.</summary>
internal static class OrganizationsApi
{
    public static RouteGroupBuilder MapOrganizationsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/organizations").WithTags("Organizations").RequireAuthorization(Policies.Active);
        group.MapGet("/", ListAsync).WithName("ListOrganizations").WithSummary("All organizations for a platform administrator; otherwise the caller's own.");
        group.MapGet("/directory", DirectoryAsync).WithName("OrganizationDirectory")
            .WithSummary("Registered designers, manufacturers and registrants (name, party types, licence numbers): whom an institution can assign to an order.");
        group.MapPost("/", CreateAsync).WithName("CreateOrganization").WithSummary("Register an organization with its party types and licence numbers.")
            .RequireAuthorization(Policies.PlatformAdmin);
        return group;
    }

    private static async Task<Ok<List<OrganizationResponse>>> ListAsync(ClaimsPrincipal user, TrabeculaDbContext db, CancellationToken cancellationToken)
    {
        var query = db.Organizations.AsNoTracking();
        if (!user.IsInRole(Roles.PlatformAdmin))
        {
            var own = Guid.Parse(user.FindFirstValue(TrabeculaClaimTypes.OrganizationId)!);
            query = query.Where(o => o.Id == own);
        }

        var organizations = await query.OrderBy(o => o.Name).Take(1000).ToListAsync(cancellationToken);
        return TypedResults.Ok(organizations.Select(OrganizationResponse.From).ToList());
    }

    /// <summary>The public directory of partner organizations; people and anything else about them stay private.</summary>
    private static async Task<Ok<List<OrganizationResponse>>> DirectoryAsync(string? party, TrabeculaDbContext db, CancellationToken cancellationToken)
    {
        var partners = PartyTypes.Designer | PartyTypes.Manufacturer | PartyTypes.MarketingAuthorizationHolder;
        var wanted = Enum.TryParse<PartyTypes>(party, out var p) && (p & partners) == p && p != PartyTypes.None ? p : partners;
        var organizations = await db.Organizations.AsNoTracking().Where(o => (o.PartyTypes & wanted) != 0).OrderBy(o => o.Name).Take(1000).ToListAsync(cancellationToken);
        return TypedResults.Ok(organizations.Select(OrganizationResponse.From).ToList());
    }

    private static async Task<Results<Created<OrganizationResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateOrganizationRequest request, TrabeculaDbContext db, IAuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var types = PartyTypes.None;
        foreach (var typeName in request.PartyTypes ?? [])
        {
            if (Enum.TryParse<PartyTypes>(typeName, ignoreCase: false, out var type) && type != PartyTypes.None && Enum.IsDefined(type))
            {
                types |= type;
            }
            else
            {
                errors["partyTypes"] = [$"'{typeName}' is not a party type ({string.Join(", ", Enum.GetNames<PartyTypes>().Skip(1))})."];
            }
        }

        if (types == PartyTypes.None && !errors.ContainsKey("partyTypes"))
        {
            errors["partyTypes"] = ["At least one party type is required."];
        }

        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors["name"] = ["A name is required."];
        }

        // T/CAMDI 028 clause 4: each party is identified by its licence.
        Require(types, PartyTypes.MedicalInstitution, request.PracticeLicenceNumber, "practiceLicenceNumber", "A medical institution needs its practice-licence registration number.", errors);
        Require(types, PartyTypes.Manufacturer, request.ProductionLicenceNumber, "productionLicenceNumber", "A manufacturer needs its production licence number.", errors);
        Require(types, PartyTypes.MarketingAuthorizationHolder, request.RegistrationNumber, "registrationNumber", "A marketing authorization holder needs its registration certificate or filing number.", errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, type: ProblemTypes.Validation);
        }

        var name = request.Name!.Trim();
        if (await db.Organizations.AnyAsync(o => o.Name == name, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, type: ProblemTypes.Conflict, detail: "An organization with this name exists.");
        }

        var organization = new Organization
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            Name = name,
            PartyTypes = types,
            PracticeLicenceNumber = request.PracticeLicenceNumber?.Trim(),
            ProductionLicenceNumber = request.ProductionLicenceNumber?.Trim(),
            RegistrationNumber = request.RegistrationNumber?.Trim(),
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Organizations.Add(organization);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(new AuditEvent(AuditAction.OrganizationCreated)
        {
            TargetType = "organization",
            TargetId = organization.Id.ToString(),
            Details = new Dictionary<string, object?> { ["partyTypes"] = types.ToString() },
        }, cancellationToken);
        return TypedResults.Created($"/api/organizations/{organization.Id}", OrganizationResponse.From(organization));
    }

    private static void Require(PartyTypes types, PartyTypes type, string? value, string field, string message, Dictionary<string, string[]> errors)
    {
        if ((types & type) == type && string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [message];
        }
    }
}
