using NodaTime;

namespace Grader.Core.Grading;

// The facts the policy engine grades from. Everything here is data gathered elsewhere (the runner's check results,
// TA decisions, the intake's submission times, staff decisions on extensions and plagiarism); the engine only reads it.

/// <summary>How a check ended, as the runner reports it.</summary>
public enum CheckStatus
{
    Passed,
    PartialCredit,
    Failed,

    /// <summary>The grader itself failed (not the student's code): the item waits for a TA instead of scoring zero.</summary>
    GraderError,
}

/// <summary>What is known about one rubric item for one submission.</summary>
public abstract record ItemOutcome(string ItemId);

/// <summary>The runner's result for an auto item: a fraction of the item in [0, 1], the status and a reason.</summary>
public sealed record CheckOutcome(string ItemId, double Fraction, CheckStatus Status, string Reason) : ItemOutcome(ItemId);

/// <summary>
/// Points a TA gave: the score of a manual item, or an override of an auto item's check result (the TA's points win).
/// For a deduction item, the points taken away.
/// </summary>
public sealed record TaScore(string ItemId, decimal Points, string Comment, string GradedBy) : ItemOutcome(ItemId);

/// <summary>
/// One submission of one student (individual work) or team (team work) for one assignment. A submitter may have several;
/// the counting rule (<see cref="SubmissionCounting"/>) picks the one that is graded.
/// </summary>
/// <param name="SubmitterId">The student's identifier, or the team's id for team work (a student in no team submits alone).</param>
/// <param name="SubmittedAt">When it arrived (the push or deadline-snapshot evidence, or the upload time), compared against the deadline.</param>
/// <param name="Outcomes">Rubric item outcomes; an item with none is pending.</param>
public sealed record Submission(string SubmitterId, string AssignmentId, Instant SubmittedAt, IReadOnlyList<ItemOutcome> Outcomes)
{
    /// <summary>Identifies the submission among its submitter's (the web app's row id); a staff choice names it.</summary>
    public string Id { get; init; } = "";
}

/// <summary>
/// A staff decision that one submission counts for a submitter and assignment, whatever the counting rule says. Taking it
/// back is the caller's business: only choices in force are facts.
/// </summary>
public sealed record CountingChoice(string SubmitterId, string AssignmentId, string SubmissionId, string ChosenBy, Instant ChosenAt, string Reason);

/// <summary>
/// More time for one student (or team, for team work) on one assignment. The length is added to the due date in local
/// time, so a 2-day extension of a 23:59 deadline ends at 23:59 two days later even across a DST change.
/// </summary>
public sealed record Extension(string SubmitterId, string AssignmentId, Period Length, string Reason);

/// <summary>A project team. Its id is the submitter id of its team work.</summary>
public sealed record Team(string Id, IReadOnlyList<string> Members);

/// <summary>A plagiarism case. Only a case a TA has confirmed (<see cref="ConfirmedAt"/> set) changes any grade.</summary>
public sealed record PlagiarismCase(string StudentId, string AssignmentId, Instant? ConfirmedAt, string Summary)
{
    public bool IsConfirmed => ConfirmedAt is not null;

    /// <summary>The case's number as the staff know it (the web app's row id); empty when unknown.</summary>
    public string Id { get; init; } = "";
}

/// <summary>Whether a team's paper states each member's contribution, as found by the staff.</summary>
public sealed record ContributionStatementFinding(string TeamId, bool StatementsPresent, string Note);

/// <summary>Everything the engine needs besides the configuration. Lists may be empty; none may be null.</summary>
public sealed record GradingFacts(
    IReadOnlyList<Submission> Submissions,
    IReadOnlyList<Team> Teams,
    IReadOnlyList<Extension> Extensions,
    IReadOnlyList<PlagiarismCase> PlagiarismCases,
    IReadOnlyList<ContributionStatementFinding> ContributionStatements)
{
    public static GradingFacts Empty { get; } = new([], [], [], [], []);

    /// <summary>Staff choices in force, at most one per (submitter, assignment).</summary>
    public IReadOnlyList<CountingChoice> CountingChoices { get; init; } = [];
}

/// <summary>Facts that contradict the configuration or each other (a team too large, an unknown assignment...).</summary>
public sealed class GradingInputException : Exception
{
    public GradingInputException(string message)
        : base(message)
    {
    }

    public GradingInputException()
    {
    }

    public GradingInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
