namespace Grader.Documents;

/// <summary>Which deliverable a PDF is; decides the defaults of <see cref="DocumentRules"/>.</summary>
public enum DocumentKind
{
    /// <summary>The one-page project proposal.</summary>
    Proposal,

    /// <summary>The final paper (JMLR format, at most 6 pages excluding references, with contribution statements).</summary>
    Paper,
}

/// <summary>What to check in one deliverable.</summary>
/// <param name="Kind">The deliverable.</param>
/// <param name="MaxPages">The page limit.</param>
/// <param name="ExcludeReferences">True when pages from the references on do not count toward <paramref name="MaxPages"/>.</param>
/// <param name="RequireContributions">True when every member must be named with the model they built.</param>
public sealed record DocumentRules(DocumentKind Kind, int MaxPages, bool ExcludeReferences, bool RequireContributions)
{
    /// <summary>The syllabus's proposal: one page in total.</summary>
    public static DocumentRules Proposal { get; } = new(DocumentKind.Proposal, 1, ExcludeReferences: false, RequireContributions: false);

    /// <summary>The syllabus's paper: up to 6 pages excluding references; contribution statements naming each member's model.</summary>
    public static DocumentRules Paper { get; } = new(DocumentKind.Paper, 6, ExcludeReferences: true, RequireContributions: true);
}

/// <summary>A member of the project team, as the roster knows them.</summary>
/// <param name="Name">The full name, e.g. "Ada Lovelace"; matched case-insensitively, by full name or family name.</param>
/// <param name="NetId">Optional: also accepted when the paper names members by NetID.</param>
public sealed record TeamMember(string Name, string? NetId = null);

/// <summary>How a finding should be shown: fine, worth a look, or breaking a rule.</summary>
public enum FindingSeverity
{
    /// <summary>The check passed.</summary>
    Ok,

    /// <summary>Could not be decided automatically, or incomplete; a TA should look.</summary>
    Warning,

    /// <summary>A rule is broken (over the page limit, contributions missing).</summary>
    Problem,
}

/// <summary>One result shown to TAs as a rubric hint and to students before the deadline.</summary>
/// <param name="Code">A stable id for programs: page-count, references, contributions, member-contribution, text.</param>
/// <param name="Severity">Ok, warning or problem.</param>
/// <param name="Message">One plain-language sentence.</param>
/// <param name="Page">The 1-based page it refers to, when there is one.</param>
public sealed record DocumentFinding(string Code, FindingSeverity Severity, string Message, int? Page);

/// <summary>What the document says about one member.</summary>
/// <param name="Member">The member.</param>
/// <param name="Named">True when a contribution sentence names them.</param>
/// <param name="Model">The model they built, as the sentence says it ("the LSTM baseline"); null when none was found.</param>
/// <param name="Page">The page of that sentence.</param>
/// <param name="Sentence">The sentence itself, for the TA.</param>
public sealed record MemberContribution(TeamMember Member, bool Named, string? Model, int? Page, string? Sentence);

/// <summary>Everything <see cref="DocumentCheck.Check"/> found.</summary>
/// <param name="TotalPages">Pages in the PDF.</param>
/// <param name="ReferencesPage">The page the References/Bibliography heading is on; null when none was found.</param>
/// <param name="CountedPages">Pages counted toward the limit (before the references when they are excluded).</param>
/// <param name="MaxPages">The limit applied.</param>
/// <param name="ContributionsPage">The page of a Contributions section heading; null when there is no such heading.</param>
/// <param name="Members">Per member: named or not, with which model.</param>
/// <param name="Findings">Plain-language findings, in reading order of the checks.</param>
public sealed record DocumentCheckResult(
    int TotalPages,
    int? ReferencesPage,
    int CountedPages,
    int MaxPages,
    int? ContributionsPage,
    IReadOnlyList<MemberContribution> Members,
    IReadOnlyList<DocumentFinding> Findings)
{
    /// <summary>True when the counted pages exceed the limit.</summary>
    public bool OverPageLimit => CountedPages > MaxPages;

    /// <summary>True when every member is named together with a model they built: the syllabus's contribution statement.</summary>
    public bool ContributionsComplete => Members.Count > 0 && Members.All(m => m.Named && m.Model is not null);
}

/// <summary>The PDF could not be read (not a PDF, damaged, or encrypted); the message says which, naming the document.</summary>
public sealed class DocumentReadException : Exception
{
    /// <summary>A read failure with a plain-language message.</summary>
    public DocumentReadException(string message)
        : base(message)
    {
    }

    /// <summary>A read failure caused by <paramref name="innerException"/>.</summary>
    public DocumentReadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>For serializers; prefer the other constructors.</summary>
    public DocumentReadException()
    {
    }
}
