using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Trabecula.Server.Infrastructure.Errors;

/// <summary>
/// Writes every problem as application/problem+json, whatever the Accept header says (the default
/// writer declines "Accept: */*", which is what curl and most scripts send, and the caller then
/// got an HTML page). Pages never reach it: their errors re-execute the HTML error page first.
/// </summary>
internal sealed class ProblemJsonWriter(IOptions<ProblemDetailsOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        var response = context.HttpContext.Response;
        problem.Status ??= response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        options.Value.CustomizeProblemDetails?.Invoke(context);
        var type = problem is HttpValidationProblemDetails ? typeof(HttpValidationProblemDetails) : problem.GetType();
        return new ValueTask(response.WriteAsJsonAsync(problem, type, json.Value.SerializerOptions, "application/problem+json", context.HttpContext.RequestAborted));
    }
}
