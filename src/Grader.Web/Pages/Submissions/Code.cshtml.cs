using Grader.Data;
using Grader.Data.Grading;
using Grader.Web.Grading;
using Grader.Web.Workspace;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Pages.Submissions;

/// <summary>One C# file (or notebook C# cell) of the submission with its lines and findings.</summary>
public sealed record CodeFileView(CodeFile File, IReadOnlyList<CodeLine> Lines, IReadOnlyList<LineFinding> OtherFindings);

/// <summary>
/// Every C# file of a submission, highlighted with line numbers and the compiler's diagnostics inline, and the diff
/// against the assignment's starter (what the student wrote) and, with <c>?compare=</c>, against another attempt of
/// the same student and assignment. Staff, or the student for their own; anything else answers 404.
/// </summary>
public sealed class CodeModel(Gradebook gradebook, SubmissionAccess access, SubmissionContents contents, GraderDbContext db) : PageModel
{
    public SubmissionView View { get; private set; } = null!;

    public IReadOnlyList<CodeFileView> Files { get; private set; } = [];

    public IReadOnlyList<string> Problems { get; private set; } = [];

    public IReadOnlyList<FileDiff> StarterDiff { get; private set; } = [];

    /// <summary>The attempt compared with (<c>?compare=</c>), and the diff from it to this one.</summary>
    public SubmissionRecord? Compared { get; private set; }

    public IReadOnlyList<FileDiff> ComparedDiff { get; private set; } = [];

    /// <summary>The student's other attempts at the assignment, to compare with.</summary>
    public IReadOnlyList<SubmissionRecord> OtherAttempts { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(long id, long? compare, CancellationToken cancellationToken)
    {
        if (!await access.CanSeeAsync(User, id, cancellationToken) || await gradebook.ViewAsync(id, cancellationToken) is not { } view)
        {
            return NotFound();
        }

        View = view;
        var submission = view.Submission;
        OtherAttempts = await db.Submissions.AsNoTracking()
            .Where(s => s.SubmitterId == submission.SubmitterId && s.AssignmentId == submission.AssignmentId && s.Id != submission.Id)
            .OrderBy(s => s.Id).ToListAsync(cancellationToken);
        if (compare is { } otherId)
        {
            // Only another attempt of the same submitter and assignment: never a way to read someone else's code.
            Compared = OtherAttempts.FirstOrDefault(s => s.Id == otherId);
            if (Compared is null)
            {
                return NotFound();
            }
        }

        var content = contents.Read(submission);
        var findings = new ReportFindings(view.Report);
        Files = [.. content.Files.Select(file =>
        {
            var elsewhere = new List<LineFinding>();
            var lines = findings.Lines(file.Path, file.Cell, file.Text, elsewhere);
            return new CodeFileView(file, lines, elsewhere);
        })];
        Problems = content.Problems;
        StarterDiff = CodeDiff.Compare(contents.ReadStarter(submission.AssignmentId), content);
        if (Compared is not null)
        {
            ComparedDiff = CodeDiff.Compare(contents.Read(Compared), content);
        }

        return Page();
    }
}
