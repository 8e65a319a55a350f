namespace Trabecula.Server.Features.Orders;

/// <summary>
/// The lifecycle of a custom device (R-CASE-5, DESIGN.md): requirement to follow-up, plus
/// on-hold and cancelled. Stored by name; never renumber.
/// </summary>
public enum OrderState
{
    RequirementRaised,
    DataCollected,
    DataConfirmed,
    Designing,
    DesignReview,
    DesignApproved,
    Manufacturing,
    Released,
    Delivered,
    Used,
    FollowUp,
    Closed,
    OnHold,
    Cancelled,
}
