using Grader.Core.Configuration;
using NodaTime;
using NodaTime.TimeZones;

namespace Grader.Core.Grading;

/// <summary>How the late policy treats one submission (or the lack of one).</summary>
/// <param name="Deadline">The deadline that applied: due date plus any extension, in the course zone (grace not included).</param>
/// <param name="DaysLate">Started days after deadline + grace, counted in local days; 0 when on time.</param>
/// <param name="PenaltyPercent">Percent of the score taken away; 100 when the work gets no credit.</param>
public sealed record LateOutcome(ZonedDateTime Deadline, bool IsLate, int DaysLate, decimal PenaltyPercent, string Explanation)
{
    public bool NoCredit => PenaltyPercent >= 100;

    /// <summary>What the score is multiplied by.</summary>
    public decimal Multiplier => 1 - (Math.Min(PenaltyPercent, 100) / 100);
}

/// <summary>
/// Applies the late policy. Deadlines are local times in the course zone: extensions are added in local time and
/// each "day late" ends at the same local wall-clock time a day later, so a DST change makes one day 23 or 25 hours
/// long rather than moving the boundary. A submission exactly at the deadline (plus grace) is on time.
/// </summary>
public static class LatePolicyEvaluator
{
    // A deadline that lands in a DST gap moves forward to the first valid instant; one that happens twice takes the
    // later instant. Both favour the student. Configured due dates cannot land there (the validator rejects them);
    // an extension or a day boundary can.
    private static readonly ZoneLocalMappingResolver StudentFriendly =
        Resolvers.CreateMappingResolver(Resolvers.ReturnLater, Resolvers.ReturnForwardShifted);

    public static ZonedDateTime Deadline(LocalDateTime due, DateTimeZone zone, Extension? extension) =>
        (extension is null ? due : due + extension.Length).InZone(zone, StudentFriendly);

    public static LateOutcome Evaluate(LatePolicy policy, LocalDateTime due, DateTimeZone zone, Extension? extension, Instant submittedAt)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var deadline = Deadline(due, zone, extension);
        var cutoff = deadline.ToInstant() + policy.GracePeriod;
        var submitted = submittedAt.InZone(zone);
        var deadlineText = DescribeDeadline(deadline, policy, extension);

        if (submittedAt <= cutoff)
        {
            return new LateOutcome(deadline, false, 0, 0, $"Submitted {Numbers.Show(submitted)}, on time ({deadlineText}).");
        }

        var lateBy = submittedAt - cutoff;
        var daysLate = DaysLate(deadline.LocalDateTime, zone, policy.GracePeriod, submittedAt);
        var lateText = $"Submitted {Numbers.Show(submitted)}, {Numbers.Show(lateBy)} late ({deadlineText})";
        if (policy.Kind == LatePolicyKind.NoCredit)
        {
            return new LateOutcome(deadline, true, daysLate, 100, $"{lateText}: late work gets no credit.");
        }

        if (policy.MaxDaysLate is { } maxDays && daysLate > maxDays)
        {
            return new LateOutcome(deadline, true, daysLate, 100,
                $"{lateText}: day {daysLate} late is past the {maxDays}-day limit, so it gets no credit.");
        }

        var penalty = Math.Min(daysLate * policy.PenaltyPercentPerDay, policy.MaxPenaltyPercent);
        var capped = daysLate * policy.PenaltyPercentPerDay > policy.MaxPenaltyPercent ? $", capped at {Numbers.Show(policy.MaxPenaltyPercent)}%" : "";
        return new LateOutcome(deadline, true, daysLate, penalty,
            $"{lateText}: {DayCount(daysLate)} late × {Numbers.Show(policy.PenaltyPercentPerDay)}% per day{capped} = {Numbers.Show(penalty)}% off the score.");
    }

    /// <summary>
    /// Whether late work can still arrive at <paramref name="now"/>. False once the deadline plus grace has passed under
    /// no-credit, or past the last accepted day under a per-day penalty; a per-day policy without a day limit never closes.
    /// </summary>
    public static bool StillAccepting(LatePolicy policy, ZonedDateTime deadline, Instant now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var cutoff = deadline.ToInstant() + policy.GracePeriod;
        if (now <= cutoff)
        {
            return true;
        }

        return policy.Kind == LatePolicyKind.PerDayPenalty
            && (policy.MaxDaysLate is not { } maxDays || now <= DayBoundary(deadline.LocalDateTime, deadline.Zone, policy.GracePeriod, maxDays));
    }

    private static int DaysLate(LocalDateTime deadline, DateTimeZone zone, Duration grace, Instant submittedAt)
    {
        var days = 1;
        while (submittedAt > DayBoundary(deadline, zone, grace, days))
        {
            days++;
        }

        return days;
    }

    /// <summary>The end of day <paramref name="day"/> late: the deadline's local time <paramref name="day"/> days later, plus grace.</summary>
    private static Instant DayBoundary(LocalDateTime deadline, DateTimeZone zone, Duration grace, int day) =>
        deadline.PlusDays(day).InZone(zone, StudentFriendly).ToInstant() + grace;

    private static string DescribeDeadline(ZonedDateTime deadline, LatePolicy policy, Extension? extension)
    {
        var text = $"deadline {Numbers.Show(deadline)}";
        if (extension is not null)
        {
            text += $" after an extension of {Numbers.Show(extension.Length)} ({extension.Reason})";
        }

        if (policy.GracePeriod > Duration.Zero)
        {
            text += $", with {Numbers.Show(policy.GracePeriod)} of grace";
        }

        return text;
    }

    private static string DayCount(int days) => days == 1 ? "1 day" : $"{days} days";
}
