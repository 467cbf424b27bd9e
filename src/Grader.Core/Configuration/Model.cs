using NodaTime;

namespace Grader.Core.Configuration;

// The validated, typed course configuration the policy engine works on. Records loaded from files keep a SourceMap
// (the position of each field); records built in code get SourceMap.None.

/// <summary>The whole configuration of one course: <c>course.yaml</c>, its assignments, their rubrics and the roster.</summary>
public sealed record CourseTree(
    Course Course,
    IReadOnlyList<Assignment> Assignments,
    IReadOnlyList<Rubric> Rubrics,
    IReadOnlyList<RosterStudent> Roster)
{
    public Assignment Assignment(string id) =>
        Assignments.FirstOrDefault(a => a.Id == id) ?? throw new KeyNotFoundException($"The course has no assignment '{id}'.");

    public Rubric RubricFor(string assignmentId) =>
        Rubrics.FirstOrDefault(r => r.AssignmentId == assignmentId) ?? throw new KeyNotFoundException($"No rubric for assignment '{assignmentId}'.");
}

public sealed record Course(
    string Id,
    string Title,
    string Code,
    string Term,
    DateTimeZone TimeZone,
    string RosterPath,
    IReadOnlyList<GradeComponent> Components,
    LatePolicy LatePolicy,
    BonusPolicy BonusPolicy,
    PlagiarismPolicy PlagiarismPolicy,
    TeamPolicy TeamPolicy,
    IReadOnlyList<LetterGradeCutoff> LetterGrades)
{
    public SourceMap Source { get; init; } = SourceMap.None;

    /// <summary><c>submission_that_counts</c> in course.yaml; null: the default for the late policy (<see cref="CountingRules.Default"/>).</summary>
    public CountingRule? SubmissionThatCounts { get; init; }
}

/// <summary>Which of a submitter's submissions for an assignment is graded. A staff choice for one student wins over all of them.</summary>
public enum CountingRule
{
    /// <summary>The latest submission received by the deadline (extension and grace included); a late one only when none is on time.</summary>
    LatestOnTime,

    /// <summary>The latest submission, late or not (the late policy then applies to it).</summary>
    Latest,

    /// <summary>The one with the highest score after every rule (late policy included); the later one on a tie.</summary>
    Best,
}

public static class CountingRules
{
    /// <summary>
    /// The rule in force for <paramref name="assignment"/>: its own, else the course's, else latest-on-time under no-credit
    /// (a late re-upload must never replace credited work) and latest under a per-day penalty (resubmitting late is a
    /// choice the student pays for).
    /// </summary>
    public static CountingRule For(Course course, Assignment assignment)
    {
        ArgumentNullException.ThrowIfNull(course);
        ArgumentNullException.ThrowIfNull(assignment);
        return assignment.SubmissionThatCounts ?? course.SubmissionThatCounts ?? Default(course.LatePolicy);
    }

    public static CountingRule Default(LatePolicy policy) =>
        policy?.Kind == LatePolicyKind.PerDayPenalty ? CountingRule.Latest : CountingRule.LatestOnTime;

    /// <summary>The rule as written in the configuration files.</summary>
    public static string Name(CountingRule rule) => ConfigValues.CountingRules.First(pair => pair.Value == rule).Key;
}

/// <summary>One assignment's share of the final grade, in percent of the final grade (all weights add up to 100).</summary>
public sealed record GradeComponent(string AssignmentId, decimal Weight);

public enum LatePolicyKind
{
    /// <summary>Work submitted after the deadline (plus any grace period) gets no credit: the syllabus rule.</summary>
    NoCredit,

    /// <summary>Each started day late takes a percentage of the score, up to a cap.</summary>
    PerDayPenalty,
}

/// <param name="GracePeriod">Added to every deadline before a submission counts as late.</param>
/// <param name="PenaltyPercentPerDay">PerDayPenalty only: percent of the earned score lost per started day late.</param>
/// <param name="MaxPenaltyPercent">PerDayPenalty only: the penalty never exceeds this.</param>
/// <param name="MaxDaysLate">PerDayPenalty only: after this many days late, no credit. Null: late work is always accepted.</param>
public sealed record LatePolicy(
    LatePolicyKind Kind,
    Duration GracePeriod,
    decimal PenaltyPercentPerDay = 0,
    decimal MaxPenaltyPercent = 0,
    int? MaxDaysLate = null)
{
    public static LatePolicy NoCredit(Duration gracePeriod) => new(LatePolicyKind.NoCredit, gracePeriod);
}

public enum BonusCarryOver
{
    /// <summary>Bonus only makes up points lost within its own assignment.</summary>
    Never,

    /// <summary>Bonus left over after filling its assignment carries to the final grade only when that turns a fail into a pass.</summary>
    FailToPass,
}

/// <param name="PassMark">The final percentage needed to pass the course.</param>
public sealed record BonusPolicy(BonusCarryOver CarryOver, decimal PassMark);

public enum PlagiarismAction
{
    /// <summary>The assignment the case is about scores zero.</summary>
    ZeroAssignment,

    /// <summary>The student fails the course (and the assignment scores zero).</summary>
    FailCourse,
}

public sealed record PlagiarismPolicy(PlagiarismAction FirstOffence, PlagiarismAction RepeatOffence);

/// <param name="FinalizedBy">Teams must be settled by this local time (informational for the staff; null when unset).</param>
/// <param name="ContributionStatement">The rule for the team paper's contribution statements; null when there is none.</param>
public sealed record TeamPolicy(int MaxSize, LocalDateTime? FinalizedBy, ContributionStatementRule? ContributionStatement);

/// <param name="DeductionPercent">Percent of the assignment's full marks taken off when a team's statements are missing.</param>
public sealed record ContributionStatementRule(string AssignmentId, decimal DeductionPercent);

/// <summary>The lowest final percentage that earns <see cref="Letter"/>.</summary>
public sealed record LetterGradeCutoff(string Letter, decimal MinimumPercent);

public enum AssignmentKind
{
    AutogradedCode,
    Document,
    Presentation,
}

public enum Participation
{
    Individual,
    Team,
}

public enum SubmissionForm
{
    /// <summary>A GitHub Classroom repository named <c>&lt;prefix&gt;-&lt;login&gt;</c>.</summary>
    GitHubClassroom,

    /// <summary>An uploaded zip, e.g. <c>netid_hw1.zip</c>.</summary>
    ZipUpload,

    /// <summary>An uploaded PDF (proposal, paper).</summary>
    PdfUpload,

    /// <summary>Given in class (presentations); there is nothing to upload.</summary>
    InClass,
}

public sealed record Assignment(
    string Id,
    string Title,
    AssignmentKind Kind,
    LocalDateTime Due,
    Participation Participation,
    SubmissionRules Submission,
    string RubricPath,
    ResourceLimits? Resources)
{
    public SourceMap Source { get; init; } = SourceMap.None;

    /// <summary>What the static policy refuses in this assignment's code on top of what every submission is denied.</summary>
    public IReadOnlySet<ForbiddenFeature> Forbids { get; init; } = new HashSet<ForbiddenFeature>();

    /// <summary><c>submission_that_counts</c> in assignment.yaml; null: the course's rule.</summary>
    public CountingRule? SubmissionThatCounts { get; init; }

    /// <summary>The due date in the course time zone. Validation guarantees it is neither skipped nor repeated by a DST change.</summary>
    public ZonedDateTime DueIn(DateTimeZone zone) => Due.InZoneStrictly(zone);
}

/// <param name="ZipName">The expected upload name, with <c>{netid}</c> standing for the student, e.g. <c>{netid}_hw1.zip</c>.</param>
/// <param name="MaxPages">Documents only: the page limit (references excluded when <paramref name="PagesExcludeReferences"/>).</param>
/// <param name="Format">Documents only: the required template, e.g. <c>jmlr</c>.</param>
public sealed record SubmissionRules(
    IReadOnlyList<SubmissionForm> Accepts,
    string? RepositoryPrefix,
    string? ZipName,
    int? MaxPages,
    bool PagesExcludeReferences,
    string? Format)
{
    /// <summary>The GitHub Classroom repository of one student or team: <c>&lt;prefix&gt;-&lt;login&gt;</c>.</summary>
    public string RepositoryNameFor(string login) =>
        RepositoryPrefix is null ? throw new InvalidOperationException("This assignment is not submitted through GitHub Classroom.") : $"{RepositoryPrefix}-{login}";

    /// <summary>The expected zip file name for a student, e.g. <c>ab1234_hw1.zip</c>.</summary>
    public string ZipNameFor(string netId) =>
        ZipName is null ? throw new InvalidOperationException("This assignment is not submitted as a zip.") : ZipName.Replace("{netid}", netId, StringComparison.Ordinal);
}

/// <summary>Something an assignment does not let students use (<c>forbid:</c> in assignment.yaml).</summary>
public enum ForbiddenFeature
{
    /// <summary>TorchSharp autograd and optimizers: the assignment asks for a hand-written backward pass and SGD step.</summary>
    Autograd,

    /// <summary>Threads, tasks and parallel loops.</summary>
    Threads,
}

/// <summary>The sandbox limits for running one autograded submission.</summary>
/// <param name="NotebookSeconds">When set, the notebook's own top-level code (training runs, plots) is run in a sandbox
/// of its own for at most this long before the checks, and the report says whether it ran cleanly; when null it is
/// compiled but not run.</param>
/// <param name="CompileSeconds">Wall time for compiling the submission in the grader's process; null: the runner's default (20 s).</param>
/// <param name="CompileMemoryMb">Heap growth allowed while compiling; null: the runner's default (1024 MB).</param>
public sealed record ResourceLimits(int CpuSeconds, int WallSeconds, int MemoryMb, int MaxOutputKb, bool GpuAllowed, int? NotebookSeconds = null,
    int? CompileSeconds = null, int? CompileMemoryMb = null);

public enum RubricItemKind
{
    /// <summary>Scored by a check in Grader.Reference.</summary>
    Auto,

    /// <summary>Scored by a TA.</summary>
    Manual,
}

public enum CreditRule
{
    /// <summary>Full points only when the fraction is 1; otherwise none.</summary>
    AllOrNothing,

    /// <summary>fraction × points.</summary>
    Proportional,
}

public enum RubricItemType
{
    /// <summary>Counts towards the assignment's full marks.</summary>
    Regular,

    /// <summary>Points taken away; the fraction says how much of the deduction applies.</summary>
    Deduction,

    /// <summary>Extra points that make up for points lost in the same assignment, capped at its full marks.</summary>
    Bonus,
}

public sealed record Rubric(string AssignmentId, string Title, IReadOnlyList<RubricItem> Items)
{
    public SourceMap Source { get; init; } = SourceMap.None;

    /// <summary>The assignment's full marks: the points of its regular items.</summary>
    public decimal FullMarks => Items.Where(i => i.Type == RubricItemType.Regular).Sum(i => i.Points);

    public RubricItem? Item(string id) => Items.FirstOrDefault(i => i.Id == id);
}

/// <param name="CheckId">Auto items: the id of the check in Grader.Reference's catalog; null for manual items.</param>
public sealed record RubricItem(
    string Id,
    string Description,
    decimal Points,
    RubricItemKind Kind,
    string? CheckId,
    CreditRule Credit = CreditRule.AllOrNothing,
    RubricItemType Type = RubricItemType.Regular)
{
    public SourceMap Source { get; init; } = SourceMap.None;
}

/// <summary>One row of the roster CSV (GitHub Classroom's export: <c>identifier,github_username,github_id,name</c>).</summary>
public sealed record RosterStudent(string Identifier, string GitHubUsername, string GitHubId, string Name);
