namespace Grader.Core.Configuration.Documents;

// The configuration files as written: every scalar is kept as the text found in the file (null when absent), with its
// position in Source. The validators decide what is missing or malformed; CourseTreeBinder turns a valid set of
// documents into the typed model in Grader.Core.Configuration.

/// <summary>A record read from one YAML block, with the position of each of its fields.</summary>
public interface IHasSource
{
    SourceMap Source { get; }
}

/// <summary><c>assignments/course.yaml</c>.</summary>
public sealed record CourseDocument(
    string? Id,
    string? Title,
    string? Code,
    string? Term,
    string? TimeZone,
    string? Roster,
    IReadOnlyList<GradeComponentDocument>? Components,
    LatePolicyDocument? LatePolicy,
    BonusPolicyDocument? BonusPolicy,
    PlagiarismPolicyDocument? PlagiarismPolicy,
    TeamPolicyDocument? TeamPolicy,
    IReadOnlyList<LetterGradeDocument>? LetterGrades,
    SourceMap Source) : IHasSource
{
    /// <summary><c>submission_that_counts</c>: latest-on-time, latest or best; null when absent.</summary>
    public string? SubmissionThatCounts { get; init; }
}

public sealed record GradeComponentDocument(string? Assignment, string? Weight, SourceMap Source) : IHasSource;

public sealed record LatePolicyDocument(
    string? Kind,
    string? GraceMinutes,
    string? PenaltyPercentPerDay,
    string? MaxPenaltyPercent,
    string? MaxDaysLate,
    SourceMap Source) : IHasSource;

public sealed record BonusPolicyDocument(string? CarryOver, string? PassMark, SourceMap Source) : IHasSource;

public sealed record PlagiarismPolicyDocument(string? FirstOffence, string? RepeatOffence, SourceMap Source) : IHasSource;

public sealed record TeamPolicyDocument(
    string? MaxSize,
    string? FinalizedBy,
    ContributionStatementDocument? ContributionStatement,
    SourceMap Source) : IHasSource;

public sealed record ContributionStatementDocument(string? Assignment, string? DeductionPercent, SourceMap Source) : IHasSource;

public sealed record LetterGradeDocument(string? Letter, string? Min, SourceMap Source) : IHasSource;

/// <summary><c>assignments/&lt;id&gt;/assignment.yaml</c>; <see cref="FolderName"/> is the folder it was found in.</summary>
public sealed record AssignmentDocument(
    string FolderName,
    string? Id,
    string? Title,
    string? Kind,
    string? Due,
    string? Participation,
    SubmissionDocument? Submission,
    string? Rubric,
    ResourceLimitsDocument? Resources,
    IReadOnlyList<string>? Forbid,
    SourceMap Source) : IHasSource
{
    /// <summary><c>submission_that_counts</c>: overrides the course's rule for this assignment; null when absent.</summary>
    public string? SubmissionThatCounts { get; init; }
}

public sealed record SubmissionDocument(
    IReadOnlyList<string>? Accepts,
    string? RepositoryPrefix,
    string? ZipName,
    string? MaxPages,
    string? PagesExcludeReferences,
    string? Format,
    SourceMap Source) : IHasSource;

public sealed record ResourceLimitsDocument(
    string? CpuSeconds,
    string? WallSeconds,
    string? MemoryMb,
    string? MaxOutputKb,
    string? Gpu,
    string? NotebookSeconds,
    SourceMap Source,
    string? CompileSeconds = null,
    string? CompileMemoryMb = null) : IHasSource;

/// <summary><c>rubrics/&lt;id&gt;.yaml</c>; <see cref="FileStem"/> is the file name without <c>.yaml</c>.</summary>
public sealed record RubricDocument(
    string FileStem,
    string? Assignment,
    string? Title,
    IReadOnlyList<RubricItemDocument>? Items,
    SourceMap Source) : IHasSource;

public sealed record RubricItemDocument(
    string? Id,
    string? Description,
    string? Points,
    string? Kind,
    string? Check,
    string? Credit,
    string? Type,
    SourceMap Source) : IHasSource;

/// <summary>
/// Everything read from a repository root, before validation. A file that could not be parsed is absent from the lists
/// and named in <see cref="UnreadableFiles"/>, so later rules do not also complain that it is missing.
/// </summary>
public sealed record CourseDocuments(
    string RootDirectory,
    CourseDocument? Course,
    IReadOnlyList<AssignmentDocument> Assignments,
    IReadOnlyList<RubricDocument> Rubrics,
    IReadOnlySet<string> UnreadableFiles);
