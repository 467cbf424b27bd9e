using Grader.Core.Configuration;
using NodaTime;

namespace Grader.Core.Grading;

/// <summary>One submission graded on its own: the rubric, the late rule and the contribution rule, before any counting choice.</summary>
/// <param name="Score">Points after the late and contribution rules (plagiarism applies to the assignment, not to an attempt).</param>
public sealed record AttemptResult(
    Submission Submission,
    RubricScore Rubric,
    LateOutcome Late,
    decimal Score,
    decimal UnusedBonus,
    bool IsProvisional,
    IReadOnlyList<string> Explanation);

/// <summary>Which attempt counts and why, in words a student can read.</summary>
/// <param name="StaffChoice">The staff choice that decided it; null when the rule did.</param>
public sealed record CountingDecision(AttemptResult Counted, CountingRule Rule, CountingChoice? StaffChoice, string Reason);

/// <summary>
/// The rule that picks the submission that counts among a submitter's attempts for one assignment. Pure: the attempts
/// arrive already graded (so "best" compares final scores, late rule included) and ordered as received.
/// </summary>
public static class SubmissionCounting
{
    /// <param name="attempts">At least one, each for the same submitter and assignment.</param>
    /// <param name="choice">A staff choice in force; it wins whatever the rule. It must name one of the attempts.</param>
    /// <param name="zone">The course zone, for the time of a staff choice in the reason.</param>
    public static CountingDecision Choose(CountingRule rule, IReadOnlyList<AttemptResult> attempts, CountingChoice? choice, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(attempts);
        if (attempts.Count == 0)
        {
            throw new ArgumentException("There is nothing to choose from.", nameof(attempts));
        }

        // Received order; equal times keep the order given (the web app's row order), so the choice is deterministic.
        var ordered = attempts.Select((a, i) => (Attempt: a, Index: i))
            .OrderBy(p => p.Attempt.Submission.SubmittedAt).ThenBy(p => p.Index).Select(p => p.Attempt).ToList();
        var latest = ordered[^1];

        if (choice is not null)
        {
            var chosen = ordered.FirstOrDefault(a => a.Submission.Id == choice.SubmissionId)
                ?? throw new GradingInputException($"The staff choice for '{choice.SubmitterId}' on '{choice.AssignmentId}' names submission '{choice.SubmissionId}', which is not one of theirs.");
            return new CountingDecision(chosen, rule, choice,
                $"chosen by {choice.ChosenBy} on {Numbers.Show(choice.ChosenAt.InZone(zone))} ({choice.Reason}); a staff choice wins over the rule");
        }

        switch (rule)
        {
            case CountingRule.Latest:
                return new CountingDecision(latest, rule, null, ordered.Count == 1 ? "the only submission" : "the latest submission (rule: latest)");

            case CountingRule.Best:
            {
                var best = ordered.Select((a, i) => (a, i)).OrderByDescending(p => p.a.Score).ThenByDescending(p => p.i).First().a;
                return new CountingDecision(best, rule, null, ordered.Count == 1
                    ? "the only submission"
                    : $"the highest score after the rules, {Numbers.Show(best.Score)} of {Numbers.Show(best.Rubric.FullMarks)} (rule: best)");
            }

            default:
            {
                var onTime = ordered.LastOrDefault(a => !a.Late.IsLate);
                if (onTime is null)
                {
                    return new CountingDecision(latest, rule, null, ordered.Count == 1
                        ? "the only submission; it arrived after the deadline, so the late policy applies"
                        : "nothing arrived by the deadline, so the latest late submission counts under the late policy (rule: latest-on-time)");
                }

                int lateAfter = ordered.Count(a => a.Late.IsLate && a.Submission.SubmittedAt > onTime.Submission.SubmittedAt);
                string later = lateAfter switch
                {
                    0 => "",
                    1 => "; 1 later submission arrived after the deadline: it is recorded but does not count",
                    _ => $"; {lateAfter} later submissions arrived after the deadline: they are recorded but do not count",
                };
                return new CountingDecision(onTime, rule, null,
                    (ordered.Count == 1 ? "the only submission" : "the latest submission received by the deadline (rule: latest-on-time)") + later);
            }
        }
    }

    /// <summary>
    /// What a new submission arriving at <paramref name="at"/> would do, in words, before it is made: under latest-on-time
    /// a late one never replaces an on-time one. <paramref name="attempts"/> are the submitter's earlier ones, graded.
    /// </summary>
    public static string WhatANewSubmissionWouldDo(CountingRule rule, LatePolicy policy, ZonedDateTime deadline, Instant at, IReadOnlyList<AttemptResult> attempts)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(attempts);
        var cutoff = deadline.ToInstant() + policy.GracePeriod;
        bool late = at > cutoff;
        string deadlineText = $"The deadline passed on {Numbers.Show(deadline)}"
            + (policy.GracePeriod > Duration.Zero ? $" (with {Numbers.Show(policy.GracePeriod)} of grace)" : "");
        if (!late)
        {
            return rule == CountingRule.Best
                ? "A new submission is on time; the one with the highest score counts."
                : "A new submission is on time and replaces your earlier ones as the one that counts.";
        }

        var onTime = attempts.Where(a => !a.Late.IsLate).OrderBy(a => a.Submission.SubmittedAt).LastOrDefault();
        string lateRule = policy.Kind == LatePolicyKind.NoCredit
            ? "late work gets no credit"
            : "the late policy takes its penalty";
        return rule switch
        {
            CountingRule.LatestOnTime when onTime is not null =>
                $"{deadlineText}; this upload will be recorded but your on-time submission of {Numbers.Show(onTime.Submission.SubmittedAt.InZone(deadline.Zone))} keeps counting.",
            CountingRule.Latest when onTime is not null =>
                $"{deadlineText}; this upload will replace your on-time submission of {Numbers.Show(onTime.Submission.SubmittedAt.InZone(deadline.Zone))} as the one that counts, and {lateRule}.",
            CountingRule.Best =>
                $"{deadlineText}; this upload will be recorded and counts only if its score after the late rule ({lateRule}) is higher than your others'.",
            _ => $"{deadlineText}; this upload will be recorded and counts as late: {lateRule}.",
        };
    }
}
