using Grader.Core.Configuration;
using Grader.Core.Grading;
using NodaTime;
using static Grader.Core.Tests.Grading.TestCourse;

namespace Grader.Core.Tests.Grading;

public sealed class LatePolicyEvaluatorTests
{
    private static readonly LocalDateTime Hw1Due = new(2023, 2, 16, 23, 59);
    private static readonly LatePolicy NoCredit = LatePolicy.NoCredit(Duration.Zero);
    private static readonly LatePolicy TenPercentPerDay = new(LatePolicyKind.PerDayPenalty, Duration.Zero, 10, 30, 5);

    [Test]
    public void Work_at_the_exact_deadline_is_on_time_and_one_second_later_gets_no_credit()
    {
        var atDeadline = LatePolicyEvaluator.Evaluate(NoCredit, Hw1Due, NewYork, null, At("2023-02-16 23:59:00"));
        var oneSecondLate = LatePolicyEvaluator.Evaluate(NoCredit, Hw1Due, NewYork, null, At("2023-02-16 23:59:01"));

        Assert.Multiple(() =>
        {
            Assert.That((atDeadline.IsLate, atDeadline.Multiplier), Is.EqualTo((false, 1m)));
            Assert.That(atDeadline.Explanation, Is.EqualTo(
                "Submitted 2023-02-16 23:59:00 EST (America/New_York), on time (deadline 2023-02-16 23:59:00 EST (America/New_York))."));
            Assert.That((oneSecondLate.IsLate, oneSecondLate.NoCredit, oneSecondLate.Multiplier), Is.EqualTo((true, true, 0m)));
            Assert.That(oneSecondLate.Explanation, Is.EqualTo(
                "Submitted 2023-02-16 23:59:01 EST (America/New_York), 1 second late (deadline 2023-02-16 23:59:00 EST (America/New_York)): late work gets no credit."));
        });
    }

    [Test]
    public void A_grace_period_moves_the_cutoff_and_is_named()
    {
        var policy = LatePolicy.NoCredit(Duration.FromMinutes(15));

        var lastGraceSecond = LatePolicyEvaluator.Evaluate(policy, Hw1Due, NewYork, null, At("2023-02-17 00:14:00"));
        var afterGrace = LatePolicyEvaluator.Evaluate(policy, Hw1Due, NewYork, null, At("2023-02-17 00:14:01"));

        Assert.Multiple(() =>
        {
            Assert.That(lastGraceSecond.IsLate, Is.False);
            Assert.That(lastGraceSecond.Explanation, Does.Contain("with 15 minutes of grace"));
            Assert.That(afterGrace.NoCredit, Is.True);
            Assert.That(afterGrace.Explanation, Does.Contain("1 second late"));
        });
    }

    [TestCase("2023-02-17 00:00", 1, 10)]
    [TestCase("2023-02-17 23:59", 1, 10)] // exactly 24 hours late is still day 1
    [TestCase("2023-02-18 00:00", 2, 20)]
    [TestCase("2023-02-19 23:59", 3, 30)]
    [TestCase("2023-02-20 12:00", 4, 30)] // 40% capped at 30%
    [TestCase("2023-02-21 23:59", 5, 30)]
    [TestCase("2023-02-22 00:00", 6, 100)] // past the 5-day limit
    public void A_per_day_penalty_counts_started_days_and_stops_at_its_cap(string submitted, int days, decimal penalty)
    {
        var outcome = LatePolicyEvaluator.Evaluate(TenPercentPerDay, Hw1Due, NewYork, null, At(submitted));

        Assert.That((outcome.DaysLate, outcome.PenaltyPercent), Is.EqualTo((days, penalty)));
    }

    [Test]
    public void Per_day_explanations_show_the_arithmetic()
    {
        var capped = LatePolicyEvaluator.Evaluate(TenPercentPerDay, Hw1Due, NewYork, null, At("2023-02-20 12:00"));
        var tooLate = LatePolicyEvaluator.Evaluate(TenPercentPerDay, Hw1Due, NewYork, null, At("2023-02-22 00:00"));

        Assert.Multiple(() =>
        {
            Assert.That(capped.Explanation, Does.EndWith("3 days 12 hours late (deadline 2023-02-16 23:59:00 EST (America/New_York)): 4 days late × 10% per day, capped at 30% = 30% off the score."));
            Assert.That(tooLate.Explanation, Does.EndWith(": day 6 late is past the 5-day limit, so it gets no credit."));
        });
    }

    [Test]
    public void A_late_day_across_spring_forward_is_23_hours_and_ends_at_the_same_wall_clock_time()
    {
        // Due Saturday 2023-03-11 23:59 EST; clocks spring forward at 02:00 on Sunday the 12th.
        var due = new LocalDateTime(2023, 3, 11, 23, 59);

        var endOfDayOne = LatePolicyEvaluator.Evaluate(TenPercentPerDay, due, NewYork, null, At("2023-03-12 23:59"));
        var startOfDayTwo = LatePolicyEvaluator.Evaluate(TenPercentPerDay, due, NewYork, null, At("2023-03-12 23:59:01"));

        Assert.Multiple(() =>
        {
            Assert.That(At("2023-03-12 23:59") - At("2023-03-11 23:59"), Is.EqualTo(Duration.FromHours(23)));
            Assert.That(endOfDayOne.DaysLate, Is.EqualTo(1));
            Assert.That(startOfDayTwo.DaysLate, Is.EqualTo(2));
        });
    }

    [Test]
    public void A_late_day_across_fall_back_is_25_hours()
    {
        // Due Saturday 2023-11-04 23:59 EDT; clocks fall back at 02:00 on Sunday the 5th.
        var due = new LocalDateTime(2023, 11, 4, 23, 59);
        var twentyFourHoursLater = At("2023-11-04 23:59") + Duration.FromHours(24); // 22:59 EST on the 5th

        var outcome = LatePolicyEvaluator.Evaluate(TenPercentPerDay, due, NewYork, null, twentyFourHoursLater + Duration.FromMinutes(30));

        Assert.That(outcome.DaysLate, Is.EqualTo(1), "23:29 local on the 5th is still within the first late day");
    }

    [Test]
    public void An_extension_is_added_in_local_time_so_it_keeps_the_wall_clock_deadline_across_spring_forward()
    {
        // Due Friday 2023-03-10 23:59 EST, extended 3 days to Monday 2023-03-13 23:59 EDT: 71 elapsed hours, not 72.
        var due = new LocalDateTime(2023, 3, 10, 23, 59);
        var extension = new Extension("ab1234", "hw2-cnn", Period.FromDays(3), "medical note");

        var deadline = LatePolicyEvaluator.Deadline(due, NewYork, extension);
        var justAfter = LatePolicyEvaluator.Evaluate(NoCredit, due, NewYork, extension, At("2023-03-14 00:30"));
        var justBefore = LatePolicyEvaluator.Evaluate(NoCredit, due, NewYork, extension, At("2023-03-13 23:59"));

        Assert.Multiple(() =>
        {
            Assert.That(deadline.ToInstant(), Is.EqualTo(Instant.FromUtc(2023, 3, 14, 3, 59)));
            Assert.That(deadline.ToInstant() - At("2023-03-10 23:59"), Is.EqualTo(Duration.FromHours(71)));
            Assert.That(justBefore.IsLate, Is.False);
            Assert.That(justBefore.Explanation, Is.EqualTo(
                "Submitted 2023-03-13 23:59:00 EDT (America/New_York), on time (deadline 2023-03-13 23:59:00 EDT (America/New_York) after an extension of 3 days (medical note))."));
            Assert.That(justAfter.IsLate, Is.True, "72 elapsed hours would wrongly accept 00:30 on the 14th");
            Assert.That(justAfter.Explanation, Does.Contain("31 minutes late"));
        });
    }

    [Test]
    public void An_extension_across_fall_back_is_25_hours_per_day()
    {
        var due = new LocalDateTime(2023, 11, 4, 23, 59);
        var extension = new Extension("ab1234", "hw3-rnn", Period.FromDays(1), "travel");

        var outcome = LatePolicyEvaluator.Evaluate(NoCredit, due, NewYork, extension, At("2023-11-05 23:30"));

        Assert.Multiple(() =>
        {
            Assert.That(At("2023-11-05 23:30") - At("2023-11-04 23:59"), Is.GreaterThan(Duration.FromHours(24)));
            Assert.That(outcome.IsLate, Is.False);
        });
    }

    [Test]
    public void An_extension_that_lands_in_the_spring_forward_gap_moves_forward_in_the_students_favour()
    {
        var due = new LocalDateTime(2023, 3, 11, 2, 30);
        var extension = new Extension("ab1234", "hw2-cnn", Period.FromDays(1), "illness");

        var deadline = LatePolicyEvaluator.Deadline(due, NewYork, extension);

        Assert.That(deadline.LocalDateTime, Is.EqualTo(new LocalDateTime(2023, 3, 12, 3, 30)));
    }

    [Test]
    public void Late_work_is_accepted_until_the_policy_closes()
    {
        var deadline = LatePolicyEvaluator.Deadline(Hw1Due, NewYork, null);
        var unlimited = TenPercentPerDay with { MaxDaysLate = null };

        Assert.Multiple(() =>
        {
            Assert.That(LatePolicyEvaluator.StillAccepting(NoCredit, deadline, At("2023-02-16 23:59")), Is.True);
            Assert.That(LatePolicyEvaluator.StillAccepting(NoCredit, deadline, At("2023-02-17 00:00")), Is.False);
            Assert.That(LatePolicyEvaluator.StillAccepting(TenPercentPerDay, deadline, At("2023-02-21 23:59")), Is.True);
            Assert.That(LatePolicyEvaluator.StillAccepting(TenPercentPerDay, deadline, At("2023-02-22 00:00")), Is.False);
            Assert.That(LatePolicyEvaluator.StillAccepting(unlimited, deadline, At("2023-12-31 00:00")), Is.True);
        });
    }
}
