namespace Trabecula.Server.Features.Orders;

/// <summary>One field that differs between two requirements revisions.</summary>
public sealed record RequirementChange(string Field, string? Before, string? After);

/// <summary>Field-by-field differences between requirements revisions, for the revision history (R-CASE-2).</summary>
public static class RequirementDiff
{
    public static IReadOnlyList<RequirementChange> Compare(RequirementView before, RequirementView after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var changes = new List<RequirementChange>();
        Add(changes, "deviceCategory", before.DeviceCategory, after.DeviceCategory);
        Add(changes, "anatomicalSite", before.AnatomicalSite, after.AnatomicalSite);
        Add(changes, "indication", before.Indication, after.Indication);
        Add(changes, "clinicalRequirement", before.ClinicalRequirement, after.ClinicalRequirement);
        Add(changes, "plannedSurgeryDate", before.PlannedSurgeryDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            after.PlannedSurgeryDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Add(changes, "urgency", before.Urgency, after.Urgency);
        return changes;
    }

    private static void Add(List<RequirementChange> changes, string field, string? before, string? after)
    {
        if (!string.Equals(before ?? "", after ?? "", StringComparison.Ordinal))
        {
            changes.Add(new RequirementChange(field, before, after));
        }
    }
}
