using System.Text.RegularExpressions;
using Grader.Core.Configuration;
using Grader.Core.Grading;
using Grader.Data;
using Grader.Data.Course;
using Grader.Documents;
using Grader.Submissions.Storage;
using Grader.Web.Grading;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using DocumentMember = Grader.Documents.TeamMember;

namespace Grader.Web.Project;

/// <summary>A project PDF as its pages show it: the upload, how the late rule treats it, and the automatic checks.</summary>
/// <param name="Check">Null for slides (no page rules) or when the stored PDF could not be read (<paramref name="ReadError"/>).</param>
public sealed record DocumentView(SubmissionRecord Submission, Assignment Assignment, LateOutcome Late, DocumentCheckResult? Check, string? ReadError)
{
    /// <summary>The check found no contribution statement (or a member without one): the course's deduction is proposed to a TA.</summary>
    public bool ContributionsMissing => Check is { } check && check.Members.Count > 0 && !check.ContributionsComplete;
}

/// <summary>
/// Intake of the final project's PDFs (proposal, paper, slides), handed in by a team (<see cref="SubmissionRecord.SubmitterId"/>
/// is the team id), and the <see cref="DocumentCheck"/> results shown to the team at once and to TAs as rubric hints.
/// A PDF is not run by the grader: its rubric is scored by TAs, so no grading run is queued. The checks are computed
/// again from the stored bytes when shown, so they always name the team's current members.
/// </summary>
public sealed partial class ProjectDocuments(GraderDbContext db, CourseCatalog course, SubmissionStore store, TeamFormation teams, IClock clock)
{
    /// <summary>Uploads larger than this are refused before they are stored: a 6-page paper with figures is far smaller.</summary>
    public const long MaxUploadBytes = 20L * 1024 * 1024;

    private CourseTree Tree => course.Tree;

    /// <summary>The assignments a team hands in as a PDF upload, in course order.</summary>
    public IReadOnlyList<Assignment> UploadableAssignments =>
        Tree.Assignments.Where(a => a.Participation == Participation.Team && a.Submission.Accepts.Contains(SubmissionForm.PdfUpload)).ToList();

    /// <summary>
    /// What to check in an assignment's PDF, from its assignment.yaml (<c>max_pages</c>, <c>pages_exclude_references</c>)
    /// and the course's contribution-statement rule; null when the assignment sets no page limit (slides).
    /// </summary>
    public DocumentRules? RulesFor(Assignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        if (assignment.Kind != AssignmentKind.Document || assignment.Submission.MaxPages is not { } maxPages)
        {
            return null;
        }

        bool contributions = Tree.Course.TeamPolicy.ContributionStatement?.AssignmentId == assignment.Id;
        return new DocumentRules(contributions ? DocumentKind.Paper : DocumentKind.Proposal, maxPages, assignment.Submission.PagesExcludeReferences, contributions);
    }

    /// <summary>
    /// Stores a team's PDF after checking that it is one (size, <c>%PDF-</c> header, readable), records it as the team's
    /// submission and returns the checks. Late uploads are kept and the late policy decides what they earn, as for homework.
    /// </summary>
    public async Task<DocumentView> UploadAsync(string studentId, string assignmentId, Stream content, string fileName, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(by);
        var assignment = UploadableAssignments.FirstOrDefault(a => a.Id == assignmentId)
            ?? throw new ReviewRejectedException($"'{assignmentId}' is not a project deliverable handed in as a PDF.");
        var team = await teams.TeamOfAsync(studentId, cancellationToken).ConfigureAwait(false)
            ?? throw new ReviewRejectedException("Project work is handed in by a team: form a team (or choose to work alone) on the Team page first.");
        string name = Path.GetFileName(fileName ?? "");
        if (!name.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase))
        {
            throw new ReviewRejectedException($"Upload a PDF (.pdf); '{name}' is not one.");
        }

        byte[] bytes = await ReadBoundedAsync(content, name, cancellationToken).ConfigureAwait(false);
        // PDF readers accept the header anywhere in the first kilobyte; so does the intake.
        if (bytes.AsSpan(0, Math.Min(bytes.Length, 1024)).IndexOf("%PDF-"u8) < 0)
        {
            throw new ReviewRejectedException($"{name}: not a PDF (no %PDF- header in its first bytes); export the document as PDF and upload it again.");
        }

        var members = await MembersAsync(team.Id, cancellationToken).ConfigureAwait(false);
        DocumentCheckResult? check;
        try
        {
            check = Check(bytes, assignment, members, name);
        }
        catch (DocumentReadException unreadable)
        {
            throw new ReviewRejectedException(unreadable.Message);
        }

        ContentHash hash;
        using (var stored = new MemoryStream(bytes, writable: false))
        {
            hash = await store.StoreAsync(stored, name, cancellationToken).ConfigureAwait(false);
        }

        var submission = new SubmissionRecord
        {
            AssignmentId = assignment.Id,
            SubmitterId = team.Id,
            ContentHash = hash.Hex,
            OriginalFileName = name,
            Source = SubmissionSource.Upload,
            ReceivedAtUtc = clock.GetCurrentInstant().ToDateTimeUtc(),
            SubmittedByUserId = by.Id,
        };
        db.Submissions.Add(submission);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return new DocumentView(submission, assignment, await LateAsync(submission, assignment, cancellationToken).ConfigureAwait(false), check, null);
    }

    /// <summary>A PDF submission with its checks; null when the submission is not a project PDF (or does not exist).</summary>
    public async Task<DocumentView?> ViewAsync(long submissionId, CancellationToken cancellationToken)
    {
        var submission = await db.Submissions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == submissionId, cancellationToken).ConfigureAwait(false);
        var assignment = submission is null ? null : UploadableAssignments.FirstOrDefault(a => a.Id == submission.AssignmentId);
        if (submission is null || assignment is null || !submission.OriginalFileName.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var late = await LateAsync(submission, assignment, cancellationToken).ConfigureAwait(false);
        var hash = ContentHash.Parse(submission.ContentHash);
        if (!store.Exists(hash))
        {
            return new DocumentView(submission, assignment, late, null, $"The PDF's bytes ({submission.ContentHash[..12]}…) are missing from the store.");
        }

        byte[] bytes;
        await using (var stream = store.Open(hash))
        {
            bytes = await ReadBoundedAsync(stream, submission.OriginalFileName, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var members = await MembersAsync(submission.SubmitterId, cancellationToken).ConfigureAwait(false);
            return new DocumentView(submission, assignment, late, Check(bytes, assignment, members, submission.OriginalFileName), null);
        }
        catch (DocumentReadException unreadable)
        {
            return new DocumentView(submission, assignment, late, null, unreadable.Message);
        }
    }

    /// <summary>The latest PDF of each of <paramref name="submitterIds"/> per assignment, newest first.</summary>
    public async Task<IReadOnlyList<DocumentView>> LatestAsync(IReadOnlyCollection<string>? submitterIds, CancellationToken cancellationToken)
    {
        var assignmentIds = UploadableAssignments.Select(a => a.Id).ToList();
        var query = db.Submissions.AsNoTracking().Where(s => assignmentIds.Contains(s.AssignmentId));
        if (submitterIds is not null)
        {
            query = query.Where(s => submitterIds.Contains(s.SubmitterId));
        }

        var latest = (await query.ToListAsync(cancellationToken).ConfigureAwait(false))
            .GroupBy(s => (s.SubmitterId, s.AssignmentId))
            .Select(g => g.OrderByDescending(s => s.ReceivedAtUtc).ThenByDescending(s => s.Id).First())
            .OrderByDescending(s => s.ReceivedAtUtc).ThenByDescending(s => s.Id)
            .ToList();
        var views = new List<DocumentView>();
        foreach (var submission in latest)
        {
            if (await ViewAsync(submission.Id, cancellationToken).ConfigureAwait(false) is { } view)
            {
                views.Add(view);
            }
        }

        return views;
    }

    /// <summary>The team's extension in force on a deliverable (the newest one not revoked), or null.</summary>
    public Task<ExtensionRecord?> ExtensionAsync(string submitterId, string assignmentId, CancellationToken cancellationToken) =>
        db.Extensions.InForceAsync(submitterId, assignmentId, cancellationToken);

    /// <summary>The course's late rule (with the extension) applied to a time, as for homework.</summary>
    public LateOutcome LateOutcome(Assignment assignment, ExtensionRecord? extension, Instant at)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        return LatePolicyEvaluator.Evaluate(Tree.Course.LatePolicy, assignment.Due, Tree.Course.TimeZone,
            extension is null ? null : new Extension(extension.SubmitterId, extension.AssignmentId, Period.FromDays(extension.Days), extension.Reason), at);
    }

    private async Task<LateOutcome> LateAsync(SubmissionRecord submission, Assignment assignment, CancellationToken cancellationToken) =>
        LateOutcome(assignment, await ExtensionAsync(submission.SubmitterId, assignment.Id, cancellationToken).ConfigureAwait(false), Instant.FromDateTimeUtc(submission.ReceivedAtUtc));

    private DocumentCheckResult? Check(byte[] bytes, Assignment assignment, IReadOnlyList<DocumentMember> members, string name)
    {
        using var pdf = new MemoryStream(bytes, writable: false);
        if (RulesFor(assignment) is { } rules)
        {
            return DocumentCheck.Check(pdf, rules, rules.RequireContributions ? members : [], name);
        }

        // Slides have no page rules, but they must still be a readable PDF.
        _ = DocumentCheck.Check(pdf, new DocumentRules(DocumentKind.Proposal, int.MaxValue, ExcludeReferences: false, RequireContributions: false), [], name);
        return null;
    }

    /// <summary>
    /// The team's members as a paper names them. A parenthetical after a roster name ("Ada Sample (demo)", a nickname)
    /// is not part of how authors are named, so it is left out.
    /// </summary>
    private async Task<IReadOnlyList<DocumentMember>> MembersAsync(string teamId, CancellationToken cancellationToken)
    {
        var ids = await db.TeamMembers.AsNoTracking().Where(m => m.TeamId == teamId).Select(m => m.StudentIdentifier).ToListAsync(cancellationToken).ConfigureAwait(false);
        var roster = await db.Roster.AsNoTracking().Where(r => ids.Contains(r.Identifier)).OrderBy(r => r.Identifier).ToListAsync(cancellationToken).ConfigureAwait(false);
        return roster.Select(r => new DocumentMember(TrailingParenthetical().Replace(r.Name, "").Trim(), r.Identifier)).ToList();
    }

    private static async Task<byte[]> ReadBoundedAsync(Stream content, string name, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxUploadBytes)
            {
                throw new ReviewRejectedException($"{name}: larger than {MaxUploadBytes / (1024 * 1024)} MB; compress the figures and upload it again.");
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            throw new ReviewRejectedException($"{name}: the file is empty.");
        }

        return buffer.ToArray();
    }

    [GeneratedRegex(@"\s*\([^)]*\)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex TrailingParenthetical();
}
