using System.ComponentModel.DataAnnotations;

namespace Trabecula.Server.Features.Orders;

public sealed record PatientInput(
    [property: MaxLength(100)] string? Name,
    [property: MaxLength(16)] string? Sex,
    DateOnly? BirthDate,
    [property: MaxLength(64)] string? HospitalRecordNumber,
    [property: MaxLength(32)] string? IdNumber);

public sealed record RequirementInput(
    [property: MaxLength(64)] string? DeviceCategory,
    [property: MaxLength(200)] string? AnatomicalSite,
    [property: MaxLength(1000)] string? Indication,
    [property: MaxLength(8000)] string? ClinicalRequirement,
    DateOnly? PlannedSurgeryDate,
    [property: MaxLength(16)] string? Urgency,
    [property: MaxLength(1000)] string? Reason);

public sealed record CreateOrderRequest(PatientInput? Patient, RequirementInput? Requirement);

public sealed record TransitionRequest([property: MaxLength(32)] string? To, [property: MaxLength(1000)] string? Reason, int? Version);

public sealed record ParticipantsRequest(Guid? DesignerId, Guid? ManufacturerId, Guid? RegistrantId, int? Version);

/// <summary>The patient's identity: only the institution's own people ever receive it.</summary>
public sealed record PatientView(string Name, string? Sex, string? BirthDate, string? HospitalRecordNumber, string? IdNumber);

public sealed record RequirementView(
    int Revision, string DeviceCategory, string AnatomicalSite, string Indication, string ClinicalRequirement,
    DateOnly? PlannedSurgeryDate, string Urgency, string? Reason, DateTime CreatedAt, string CreatedBy);

/// <summary>A move that exists from here, who takes it, and what must happen first (<paramref name="Unmet"/> empty: it can be taken now).</summary>
public sealed record NextMove(string Name, string To, string Party, IReadOnlyList<string> Roles, IReadOnlyList<GuardFailure> Unmet);

public sealed record OrderView(
    Guid Id,
    string Number,
    string State,
    string? HeldFrom,
    int Version,
    string Pseudonym,
    PatientView? Patient,
    Guid InstitutionId,
    Guid? DesignerId,
    Guid? ManufacturerId,
    Guid? RegistrantId,
    RequirementView Requirement,
    IReadOnlyList<NextMove> NextMoves,
    DateTime CreatedAt,
    DateTime UpdatedAt);

public sealed record OrderSummary(Guid Id, string Number, string State, string Pseudonym, string DeviceCategory, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record OrderPage(IReadOnlyList<OrderSummary> Items, int Total, int Page, int PageSize);

public sealed record HistoryEntry(string? From, string To, string Name, string? Reason, string Actor, string Organization, DateTime OccurredAt);
