using Microsoft.Extensions.Configuration;
using NodaTime;
using NodaTime.Text;

namespace Grader.Data.Course;

/// <summary>
/// The app's "now" for everything the grading rules read (deadlines, late status, provisional grades, times recorded
/// on submissions and decisions). Configured by <c>Course:Now</c>:
/// <list type="bullet">
/// <item>an ISO instant or offset date-time (<c>2023-02-20T17:00:00Z</c>, <c>2023-02-20T12:00:00-05:00</c>): the clock
/// starts there when the app starts and runs forward at real speed, so events keep their order;</item>
/// <item><c>system</c>: the machine's clock;</item>
/// <item>empty: <see cref="DemoNow"/> while the demo course is seeded (<c>Course:SeedDemo</c>), the machine's clock otherwise.</item>
/// </list>
/// Sign-in cookies, Quartz and logs keep the machine's clock (TimeProvider): a browser drops a cookie dated 2023.
/// </summary>
public static class CourseClock
{
    public const string Key = "Course:Now";

    /// <summary>
    /// The demo's default: 2023-02-20 12:00 in New York, four days after HW1 was due (2023-02-16) and before anything
    /// else is (the project proposal on 2023-03-07), so the demo's HW1 grades count and the rest are provisional.
    /// </summary>
    public static Instant DemoNow { get; } = Instant.FromUtc(2023, 2, 20, 17, 0);

    /// <summary>The clock <c>Course:Now</c> asks for; a value that is neither empty, <c>system</c> nor a date-time is refused with the key named.</summary>
    public static IClock FromConfiguration(IConfiguration configuration, bool seedDemo)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string? value = configuration[Key]?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return seedDemo ? new RunningFromClock(DemoNow, SystemClock.Instance) : SystemClock.Instance;
        }

        if (string.Equals(value, "system", StringComparison.OrdinalIgnoreCase))
        {
            return SystemClock.Instance;
        }

        return new RunningFromClock(Parse(value), SystemClock.Instance);
    }

    /// <summary>An ISO instant (<c>...Z</c>) or an ISO date-time with an offset.</summary>
    public static Instant Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var instant = InstantPattern.ExtendedIso.Parse(value);
        if (instant.Success)
        {
            return instant.Value;
        }

        var offset = OffsetDateTimePattern.ExtendedIso.Parse(value);
        if (offset.Success)
        {
            return offset.Value.ToInstant();
        }

        throw new InvalidOperationException(
            $"Configuration key {Key}: '{value}' is not an ISO date-time such as 2023-02-20T17:00:00Z or 2023-02-20T12:00:00-05:00 " +
            "(or 'system' for the machine's clock).");
    }
}

/// <summary>A clock that reads <c>start</c> at construction and then advances with <c>source</c>.</summary>
public sealed class RunningFromClock : IClock
{
    private readonly Duration offset;
    private readonly IClock source;

    public RunningFromClock(Instant start, IClock source)
    {
        ArgumentNullException.ThrowIfNull(source);
        this.source = source;
        offset = start - source.GetCurrentInstant();
    }

    public Instant GetCurrentInstant() => source.GetCurrentInstant() + offset;
}

/// <summary>A clock that always reads the same instant: the demo seeder dates its TA decisions inside the term with it.</summary>
public sealed class FixedClock(Instant now) : IClock
{
    public Instant GetCurrentInstant() => now;
}
