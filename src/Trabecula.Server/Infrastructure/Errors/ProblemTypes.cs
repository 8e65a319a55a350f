namespace Trabecula.Server.Infrastructure.Errors;

/// <summary>
/// Stable RFC 9457 "type" URIs. Clients may switch on them, so existing values never change;
/// docs/api.md lists what each means.
/// </summary>
public static class ProblemTypes
{
    private const string Prefix = "urn:trabecula:problem:";

    public const string BadRequest = Prefix + "bad-request";
    public const string Validation = Prefix + "validation";
    public const string Unauthorized = Prefix + "unauthorized";
    public const string Forbidden = Prefix + "forbidden";
    public const string NotFound = Prefix + "not-found";
    public const string MethodNotAllowed = Prefix + "method-not-allowed";
    public const string Conflict = Prefix + "conflict";

    /// <summary>409: the move exists and is yours, but a precondition another feature owns is not met yet.</summary>
    public const string PreconditionUnmet = Prefix + "precondition-unmet";

    /// <summary>422: the device identifier scanned or typed in surgery is not this order's device (or it has expired).</summary>
    public const string WrongDevice = Prefix + "wrong-device";
    public const string PayloadTooLarge = Prefix + "payload-too-large";
    public const string UnsupportedMediaType = Prefix + "unsupported-media-type";
    public const string UnprocessableContent = Prefix + "unprocessable-content";
    public const string TooManyRequests = Prefix + "too-many-requests";
    public const string InsufficientStorage = Prefix + "insufficient-storage";
    public const string Internal = Prefix + "internal";
    public const string Unavailable = Prefix + "unavailable";

    /// <summary>The type for a bare status code, used when nothing more specific is known.</summary>
    public static string ForStatus(int status) => status switch
    {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => Conflict,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        422 => UnprocessableContent,
        429 => TooManyRequests,
        503 => Unavailable,
        507 => InsufficientStorage,
        >= 500 => Internal,
        _ => BadRequest,
    };
}
