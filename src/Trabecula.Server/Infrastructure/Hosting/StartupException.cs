namespace Trabecula.Server.Infrastructure.Hosting;

/// <summary>
/// A misconfiguration found before the server accepts requests. The message is one line that
/// names the setting and says what to fix; the command line prints it and exits non-zero
/// (a security product refuses to start misconfigured, as Orthanc does).
/// </summary>
public sealed class StartupException : Exception
{
    public StartupException(string message)
        : base(message)
    {
    }

    public StartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StartupException()
    {
    }
}
