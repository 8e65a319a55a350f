namespace Trabecula.Server.Cli;

/// <summary>The command line itself is wrong (an unknown verb, a stray word).</summary>
internal sealed class CliUsageException(string message) : Exception(message);
