using System.Globalization;
using Grader.Data;
using NodaTime;
using NodaTime.Text;

namespace Grader.Web.Pages;

/// <summary>How times, points and run states read on every page.</summary>
public static class Display
{
    private static readonly ZonedDateTimePattern Pattern = ZonedDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd HH':'mm x", DateTimeZoneProviders.Tzdb);

    public static string Time(Instant instant, DateTimeZone zone) => Pattern.Format(instant.InZone(zone));

    /// <summary>UTC times as the course's local time is not known here; pages with a course zone use the other overload.</summary>
    public static string Time(DateTime utc) => utc.ToString("yyyy'-'MM'-'dd HH':'mm 'UTC'", CultureInfo.InvariantCulture);

    public static string Points(decimal? points) => points is { } value ? value.ToString("0.##", CultureInfo.InvariantCulture) : "–";

    public static string RunStatus(GradingRun? run) => run?.Status switch
    {
        null => "not graded",
        GradingRunStatus.Queued => "queued for grading",
        GradingRunStatus.Running => "grading…",
        GradingRunStatus.Succeeded => $"graded: {Words(run.Outcome)}",
        GradingRunStatus.Failed => "grading failed (a TA will look at it)",
        _ => run.Status.ToString(),
    };

    /// <summary>"CompileFailed" reads "compile failed".</summary>
    public static string Words(string? pascalCase) =>
        string.Concat((pascalCase ?? "").Select((c, i) => char.IsUpper(c) && i > 0 ? $" {char.ToLowerInvariant(c)}" : char.ToLowerInvariant(c).ToString()));
}
