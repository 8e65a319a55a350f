using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Trabecula.Server.Data;
using Trabecula.Server.Features.Accounts;
using Trabecula.Server.Features.Audit;

namespace Trabecula.Server.Features.Orders.Pages;

public sealed class NewOrderForm
{
    public string? PatientName { get; set; }

    public string? PatientSex { get; set; }

    public DateOnly? BirthDate { get; set; }

    public string? RecordNumber { get; set; }

    public string? DeviceCategory { get; set; }

    public string? AnatomicalSite { get; set; }

    public string? Indication { get; set; }

    public string? ClinicalRequirement { get; set; }

    public DateOnly? PlannedSurgeryDate { get; set; }
}

/// <summary>A physician opens a case and its order (the same rules as POST /api/orders).</summary>
[Authorize(Policy = Policies.Active)]
public sealed class NewModel(TrabeculaDbContext db, IAuditLog audit, IOptions<OrderOptions> options, TimeProvider time, TransitionGuards guards) : PageModel
{
    [BindProperty]
    public NewOrderForm Form { get; set; } = new();

    public IReadOnlyList<string> Categories => options.Value.DeviceCategories;

    public IReadOnlyList<string> Errors { get; private set; } = [];

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var request = new CreateOrderRequest(
            new PatientInput(Form.PatientName, Form.PatientSex, Form.BirthDate, Form.RecordNumber, null),
            new RequirementInput(Form.DeviceCategory, Form.AnatomicalSite, Form.Indication, Form.ClinicalRequirement, Form.PlannedSurgeryDate, "Routine", null));
        var result = await OrdersApi.CreateAsync(request, User, db, audit, options, time, guards, cancellationToken);
        switch (result.Result)
        {
            case Created<OrderView> created:
                return Redirect($"/orders/{created.Value!.Id}");
            case ValidationProblem invalid:
                Errors = [.. invalid.ProblemDetails.Errors.SelectMany(e => e.Value)];
                return Page();
            case ProblemHttpResult problem:
                Errors = [problem.ProblemDetails.Detail ?? "Refused."];
                return Page();
            default:
                return Page();
        }
    }
}
