namespace Trabecula.Server.Infrastructure.Errors;

/// <summary>
/// The root of the small exception tree the exception handler maps to problem details. Expected
/// failures are returned as results; this is for failures deep in a call (a parser's 422, an
/// integrity failure) where returning would thread a result through every layer.
/// </summary>
public class ProblemException : Exception
{
    public ProblemException(int status, string type, string title, string detail)
        : base(detail)
    {
        Status = status;
        Type = type;
        Title = title;
    }

    public ProblemException()
        : this(500, ProblemTypes.Internal, "Error", "An error occurred.")
    {
    }

    public ProblemException(string message)
        : this(500, ProblemTypes.Internal, "Error", message)
    {
    }

    public ProblemException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = 500;
        Type = ProblemTypes.Internal;
        Title = "Error";
    }

    public int Status { get; }

    public string Type { get; }

    public string Title { get; }

    /// <summary>Extra members of the problem object (field errors, byte offset, allowed transitions).</summary>
    public IDictionary<string, object?> Extensions { get; } = new Dictionary<string, object?>();
}
