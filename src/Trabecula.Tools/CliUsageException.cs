namespace Trabecula.Tools;

/// <summary>The command line itself is wrong (an unknown verb, a stray word, a missing file): exit code 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);
