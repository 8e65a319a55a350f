using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Trabecula.Server.Infrastructure.Errors;

/// <summary>
/// The one place an exception becomes an HTTP answer: RFC 9457 problem details for the API and
/// for anything that asks for JSON; HTML requests fall through to the error page. Outside
/// Development an unexpected exception says nothing about itself, only the trace id to quote.
/// </summary>
internal sealed partial class ProblemDetailsExceptionHandler(
    IProblemDetailsService problemDetails,
    IHostEnvironment environment,
    ILogger<ProblemDetailsExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
            return true;
        }

        var problem = exception switch
        {
            ProblemException known => Known(known),
            Microsoft.AspNetCore.Antiforgery.AntiforgeryValidationException => new ProblemDetails
            {
                Status = StatusCodes.Status400BadRequest,
                Type = ProblemTypes.BadRequest,
                Title = "Anti-forgery token missing or invalid",
                Detail = "State-changing calls made with the session cookie must send the X-CSRF-TOKEN header (GET /api/auth/antiforgery).",
            },
            BadHttpRequestException bad => new ProblemDetails
            {
                Status = bad.StatusCode,
                Type = ProblemTypes.ForStatus(bad.StatusCode),
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                Detail = bad.Message,
            },
            Storage.BlobStorageFullException full => new ProblemDetails
            {
                Status = StatusCodes.Status507InsufficientStorage,
                Type = ProblemTypes.InsufficientStorage,
                Title = "Storage full",
                Detail = full.Message + " Nothing was stored; stored files stay readable.",
            },
            Storage.BlobResidencyException residency => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Type = ProblemTypes.Unavailable,
                Title = "Storage target not allowed",
                Detail = residency.Message,
            },
            Storage.BlobIntegrityException => new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Type = ProblemTypes.Internal,
                Title = "Integrity failure",
                Detail = "A stored file failed its integrity check; nothing was returned and an alert was raised.",
            },
            _ => Unexpected(exception),
        };

        if (problem.Status >= 500)
        {
            LogUnexpected(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        }

        if (!RequestPaths.WantsProblemJson(httpContext))
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static ProblemDetails Known(ProblemException known)
    {
        var problem = new ProblemDetails
        {
            Status = known.Status,
            Type = known.Type,
            Title = known.Title,
            Detail = known.Message,
        };
        foreach (var (key, value) in known.Extensions)
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }

    private ProblemDetails Unexpected(Exception exception) => new()
    {
        Status = StatusCodes.Status500InternalServerError,
        Type = ProblemTypes.Internal,
        Title = "Unexpected error",
        Detail = environment.IsDevelopment()
            ? exception.Message
            : "The server could not complete the request. Quote the traceId when you report it.",
    };

    [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string path);
}
