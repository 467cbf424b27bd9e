namespace Grader.GitHub.Tests.Support;

/// <summary>A clock that always says the same time, for rate-limit resets and evidence times.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
