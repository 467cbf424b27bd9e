using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace Grader.Core.Grading;

/// <summary>How numbers and times read in explanations, and the one rounding rule (2 decimals, halves away from zero).</summary>
internal static class Numbers
{
    // "x" is the zone abbreviation (EST, EDT), which tells a reader at a glance which side of a DST change a time is on.
    private static readonly ZonedDateTimePattern TimePattern =
        ZonedDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd HH':'mm':'ss x", DateTimeZoneProviders.Tzdb);

    public static decimal Round(decimal value) => Math.Round(value, 2, MidpointRounding.AwayFromZero);

    /// <summary>"17", "17.5", "17.25": no trailing zeros.</summary>
    public static string Show(decimal value) => Round(value).ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>Always two decimals, for final-grade arithmetic that should line up: "17.00".</summary>
    public static string Show2(decimal value) => Round(value).ToString("0.00", CultureInfo.InvariantCulture);

    public static string Show(ZonedDateTime time) => $"{TimePattern.Format(time)} ({time.Zone.Id})";

    /// <summary>"3 days 2 hours", "11 minutes", "45 seconds": the two largest units.</summary>
    public static string Show(Duration duration)
    {
        var parts = new List<string>();
        void Add(long amount, string unit)
        {
            if (amount > 0 && parts.Count < 2)
            {
                parts.Add(amount == 1 ? $"1 {unit}" : $"{amount} {unit}s");
            }
        }

        Add(duration.Days, "day");
        Add(duration.Hours, "hour");
        Add(duration.Minutes, "minute");
        if (parts.Count == 0 || (duration.Days == 0 && duration.Hours == 0))
        {
            Add(duration.Seconds, "second");
        }

        return parts.Count == 0 ? "less than a second" : string.Join(" ", parts);
    }

    public static string Show(Period period) =>
        period.Normalize() is { Years: 0, Months: 0, Hours: 0, Minutes: 0, Seconds: 0, Milliseconds: 0 } whole && whole.Days != 0
            ? (whole.Days == 1 ? "1 day" : $"{whole.Days} days")
            : PeriodPattern.NormalizingIso.Format(period);
}
