using Microsoft.AspNetCore.Identity;

namespace Grader.Data;

// The web app's records. The course configuration itself lives in files (assignments/, rubrics/) and is loaded by
// Grader.Core; the rows below mirror what the staff need to query (course, roster, assignments) and hold everything
// that happens during the term (submissions, grading runs, TA decisions). Times are UTC.

/// <summary>A person who signs in: a student (linked to a roster row), a TA or an instructor.</summary>
public sealed class AppUser : IdentityUser
{
    public string DisplayName { get; set; } = "";

    /// <summary>The roster identifier (netid) of a student; null for staff.</summary>
    public string? StudentIdentifier { get; set; }
}

/// <summary>The three roles; every page and endpoint names the ones it admits.</summary>
public static class Roles
{
    public const string Student = "student";
    public const string Ta = "ta";
    public const string Instructor = "instructor";

    /// <summary>TAs and instructors, for <c>[Authorize(Roles = Staff)]</c>.</summary>
    public const string Staff = Ta + "," + Instructor;

    public static IReadOnlyList<string> All { get; } = [Student, Ta, Instructor];
}

public sealed class CourseRecord
{
    public required string Id { get; set; }
    public required string Title { get; set; }
    public string Code { get; set; } = "";
    public string Term { get; set; } = "";
    public required string TimeZone { get; set; }
}

public sealed class RosterEntry
{
    public required string Identifier { get; set; }
    public required string CourseId { get; set; }
    public string GitHubUsername { get; set; } = "";
    public string GitHubId { get; set; } = "";
    public required string Name { get; set; }
    public string? UserId { get; set; }
}

public sealed class AssignmentRecord
{
    public required string Id { get; set; }
    public required string CourseId { get; set; }
    public required string Title { get; set; }
    public required string Kind { get; set; }

    /// <summary>The due date as written in assignment.yaml: local time in the course zone, "yyyy-MM-dd HH:mm".</summary>
    public required string DueLocal { get; set; }
    public DateTime DueUtc { get; set; }
    public decimal Weight { get; set; }
    public bool AcceptsZipUpload { get; set; }
}

public sealed class TeamRecord
{
    public required string Id { get; set; }
    public required string CourseId { get; set; }
    public string Name { get; set; } = "";

    public DateTime CreatedAtUtc { get; set; }

    /// <summary>Who formed the team: a member (before the team deadline) or an instructor.</summary>
    public string CreatedByName { get; set; } = "";

    /// <summary>Whether the team's paper has contribution statements, once a TA checked; null before.</summary>
    public bool? ContributionStatementsPresent { get; set; }
    public string ContributionNote { get; set; } = "";
    public List<TeamMember> Members { get; set; } = [];
}

public sealed class TeamMember
{
    public required string TeamId { get; set; }
    public required string StudentIdentifier { get; set; }
}

public enum TeamChangeKind
{
    Formed,
    Joined,
    Left,
    Disbanded,

    // An invitation is history too: a member invited a classmate (StudentIdentifier), who may accept (Joined) or
    // decline; the inviter may withdraw it. Stored as text (at most 16 characters), so new kinds need no migration.
    Invited,
    Declined,
    Withdrawn,
}

/// <summary>What happened to a team and who did it; teams change rarely and staff must be able to see how one came to be.</summary>
public sealed class TeamChange
{
    public long Id { get; set; }
    public required string TeamId { get; set; }
    public required string StudentIdentifier { get; set; }
    public TeamChangeKind Kind { get; set; }
    public required string ByName { get; set; }
    public DateTime AtUtc { get; set; }
    public string Note { get; set; } = "";
}

public enum SubmissionSource
{
    Upload,
    GitHubPush,
    DeadlineSnapshot,
    Demo,
}

/// <summary>One hand-in: the exact bytes are in the content-addressed store under <see cref="ContentHash"/>.</summary>
public sealed class SubmissionRecord
{
    public long Id { get; set; }
    public required string AssignmentId { get; set; }

    /// <summary>The student's roster identifier, or the team id for team work.</summary>
    public required string SubmitterId { get; set; }
    public required string ContentHash { get; set; }
    public required string OriginalFileName { get; set; }
    public SubmissionSource Source { get; set; }
    public DateTime ReceivedAtUtc { get; set; }
    public string? GitCommit { get; set; }
    public string? SubmittedByUserId { get; set; }
    public List<GradingRun> Runs { get; set; } = [];
}

public enum GradingRunStatus
{
    Queued,
    Running,
    Succeeded,

    /// <summary>The grader could not produce a report (exit 1 or 2, or a crash); a TA sees it in the queue.</summary>
    Failed,
}

/// <summary>
/// One grading of a submission by one grader version. Reports are deterministic per (assignment, content hash,
/// grader version), so a run for a key already graded copies that report instead of running the grader again.
/// </summary>
public sealed class GradingRun
{
    public long Id { get; set; }
    public long SubmissionId { get; set; }
    public SubmissionRecord? Submission { get; set; }
    public required string AssignmentId { get; set; }
    public required string ContentHash { get; set; }
    public required string GraderVersion { get; set; }

    /// <summary>
    /// The hash of the course inputs the run was graded under (the assignment's assignment.yaml and rubric); a report is
    /// reused only under the same inputs. Null for runs queued before this was recorded.
    /// </summary>
    public string? CourseInputs { get; set; }
    public GradingRunStatus Status { get; set; }
    public DateTime QueuedAtUtc { get; set; }
    public DateTime? StartedAtUtc { get; set; }
    public DateTime? FinishedAtUtc { get; set; }
    public string? ReportJson { get; set; }
    public decimal? Total { get; set; }
    public decimal? Max { get; set; }
    public string? Outcome { get; set; }
    public string? Error { get; set; }

    /// <summary>The run whose report this one reused, when it did not run the grader itself.</summary>
    public long? ReusedFromRunId { get; set; }

    /// <summary>The node (<see cref="WorkerNode.Id"/>) that graded it.</summary>
    public string? WorkerId { get; set; }

    /// <summary>
    /// When a process (machine clock) took on telling the web app's <see cref="Grading.IGradingFeedbackSink"/>s that
    /// this run finished; a claim older than <see cref="Grading.RunFeedback.ClaimTimeout"/> without
    /// <see cref="FeedbackNotifiedAtUtc"/> was abandoned (a crash) and may be taken again.
    /// </summary>
    public DateTime? FeedbackClaimedAtUtc { get; set; }

    /// <summary>
    /// When the web app's feedback sinks were told that this run finished (machine clock); null until then, so a run a
    /// worker finished is found and told by <see cref="Grading.FinishedRunFeedbackJob"/>. Runs finished before this
    /// column existed carry their finish time.
    /// </summary>
    public DateTime? FeedbackNotifiedAtUtc { get; set; }
    public List<RubricItemResult> Items { get; set; } = [];
}

/// <summary>One rubric item of a grading run's report, kept as rows so queues and statistics can query them.</summary>
public sealed class RubricItemResult
{
    public long Id { get; set; }
    public long GradingRunId { get; set; }
    public required string ItemId { get; set; }
    public required string Kind { get; set; }
    public decimal Points { get; set; }
    public decimal Max { get; set; }
    public required string Status { get; set; }
    public string Reason { get; set; } = "";
}

/// <summary>
/// A TA's score for a rubric item of one submission: a manual item's score or an override of a check. Never updated
/// or deleted: the newest row per (submission, item) counts, the older ones are the history.
/// </summary>
public sealed class ItemOverride
{
    public long Id { get; set; }
    public long SubmissionId { get; set; }
    public required string ItemId { get; set; }

    /// <summary>The item's points before this decision; null when it was pending.</summary>
    public decimal? OldPoints { get; set; }
    public decimal NewPoints { get; set; }
    public required string Comment { get; set; }
    public required string ByUserId { get; set; }
    public required string ByName { get; set; }
    public DateTime AtUtc { get; set; }
}

public enum RegradeStatus
{
    Open,
    Resolved,
}

public sealed class RegradeRequest
{
    public long Id { get; set; }
    public long SubmissionId { get; set; }
    public string? ItemId { get; set; }
    public required string Message { get; set; }
    public required string RequestedByUserId { get; set; }
    public DateTime RequestedAtUtc { get; set; }
    public RegradeStatus Status { get; set; }
    public string? Response { get; set; }
    public string? ResolvedByName { get; set; }
    public DateTime? ResolvedAtUtc { get; set; }
}

/// <summary>
/// More time for one student (or team) on one assignment, in whole days added to the local due date. Never deleted:
/// revoking stamps <see cref="RevokedAtUtc"/>; the newest unrevoked row per (submitter, assignment) counts.
/// </summary>
public sealed class ExtensionRecord
{
    public long Id { get; set; }
    public required string SubmitterId { get; set; }
    public required string AssignmentId { get; set; }
    public int Days { get; set; }
    public required string Reason { get; set; }
    public required string GrantedByName { get; set; }
    public DateTime GrantedAtUtc { get; set; }
    public DateTime? RevokedAtUtc { get; set; }
    public string? RevokedByName { get; set; }
    public string? RevokeReason { get; set; }
}

/// <summary>
/// A staff decision that one submission counts for its submitter on its assignment, whatever the course's counting rule
/// says (Grader.Core's <c>CountingChoice</c>). Never deleted: taking it back stamps <see cref="RevokedAtUtc"/>; the
/// newest unrevoked row per (submitter, assignment) is in force.
/// </summary>
public sealed class CountingChoiceRecord
{
    public long Id { get; set; }
    public required string AssignmentId { get; set; }

    /// <summary>The student's roster identifier, or the team id for team work.</summary>
    public required string SubmitterId { get; set; }
    public long SubmissionId { get; set; }
    public required string Reason { get; set; }
    public required string ByUserId { get; set; }
    public required string ByName { get; set; }
    public DateTime AtUtc { get; set; }
    public DateTime? RevokedAtUtc { get; set; }
    public string? RevokedByName { get; set; }
    public string? RevokeReason { get; set; }
}

/// <summary>
/// A suspected plagiarism case; it changes grades only while an instructor's confirmation stands. Never deleted: its
/// columns say where it stands now (confirmed, dismissed or overturned, or open), and every decision that brought it
/// there is a <see cref="SimilarityCaseDecision"/> row.
/// </summary>
public sealed class SimilarityCase
{
    public long Id { get; set; }
    public required string StudentIdentifier { get; set; }
    public string? OtherStudentIdentifier { get; set; }
    public required string AssignmentId { get; set; }
    public double Similarity { get; set; }
    public required string Summary { get; set; }
    public DateTime OpenedAtUtc { get; set; }
    public string? OpenedByName { get; set; }

    /// <summary>The two submissions compared, when the case was opened from a similarity pair.</summary>
    public long? SubmissionId { get; set; }
    public long? OtherSubmissionId { get; set; }
    public DateTime? ConfirmedAtUtc { get; set; }
    public string? ConfirmedByName { get; set; }

    /// <summary>When it was dismissed, or a confirmation overturned; the decision history says which.</summary>
    public DateTime? DismissedAtUtc { get; set; }
    public string? DismissedByName { get; set; }

    /// <summary>Why it stands where it stands (the newest decision's note), in the instructor's words.</summary>
    public string? DecisionNote { get; set; }
}

/// <summary>What an instructor did to a similarity case. Stored as text (at most 16 characters).</summary>
public enum SimilarityCaseDecisionKind
{
    /// <summary>The plagiarism policy applies from then on.</summary>
    Confirmed,

    /// <summary>An open case closed without consequence.</summary>
    Dismissed,

    /// <summary>A confirmed case goes back to open: its consequence is lifted until it is decided again.</summary>
    Reopened,

    /// <summary>A confirmed case closed as not plagiarism after all: its consequence is lifted for good.</summary>
    Overturned,
}

/// <summary>
/// One instructor decision on a <see cref="SimilarityCase"/>, with who, when and why. Never updated or deleted: the
/// case's own columns say where it stands now, these rows say how it got there (confirmed, reopened, confirmed again...).
/// </summary>
public sealed class SimilarityCaseDecision
{
    public long Id { get; set; }
    public long CaseId { get; set; }
    public SimilarityCaseDecisionKind Kind { get; set; }
    public required string ByName { get; set; }
    public DateTime AtUtc { get; set; }
    public required string Note { get; set; }
}

/// <summary>
/// One TA's score for one rubric item of a presentation (or any item several TAs grade independently). Never updated:
/// the newest row per (assignment, submitter, item, TA) is that TA's score; the item's score is the mean over TAs,
/// and the instructor sees the spread.
/// </summary>
public sealed class PanelScore
{
    public long Id { get; set; }
    public required string AssignmentId { get; set; }

    /// <summary>The student's roster identifier, or the team id for team work.</summary>
    public required string SubmitterId { get; set; }
    public required string ItemId { get; set; }
    public decimal Points { get; set; }
    public string Comment { get; set; } = "";
    public required string ByUserId { get; set; }
    public required string ByName { get; set; }
    public DateTime AtUtc { get; set; }
}

/// <summary>
/// A grading node (the web app itself or a <c>grader worker</c>) as it last announced itself: which GPUs it grants,
/// when it was last alive. Quartz decides who runs which job; this table is what the staff see of the cluster.
/// </summary>
public sealed class WorkerNode
{
    /// <summary>Quartz's scheduler instance id of the node.</summary>
    public required string Id { get; set; }
    public required string HostName { get; set; }

    /// <summary>The GPU indices the node grants to sandboxes, comma-separated; empty for CPU only.</summary>
    public string Gpus { get; set; } = "";
    public int Slots { get; set; }
    public string GraderVersion { get; set; } = "";
    public DateTime StartedAtUtc { get; set; }
    public DateTime LastSeenUtc { get; set; }
}

/// <summary>
/// One row whose value every saved change increments (<see cref="GraderDbContext.SaveChangesAsync(bool, CancellationToken)"/>),
/// whichever process saved it: a reader that caches what it computed from the data keeps the value it computed at and
/// knows, with one tiny query, whether anything changed since.
/// </summary>
public sealed class DataVersion
{
    public const int TheRow = 1;

    public int Id { get; set; }
    public long Value { get; set; }
}
