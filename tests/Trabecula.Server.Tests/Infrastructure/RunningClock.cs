namespace Trabecula.Server.Tests.Infrastructure;

/// <summary>
/// The real clock, which a test may move ahead: time passes as usual (records made one after
/// another keep their order), and <see cref="Advance"/> skips forward, e.g. to the next
/// authenticator window when a test has used up the codes of the current one.
/// </summary>
public sealed class RunningClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
