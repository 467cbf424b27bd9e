using Grader.Core.Configuration;
using Grader.Core.Grading;
using Grader.Data;
using Grader.Data.Course;
using Grader.Web.Grading;
using Grader.Web.Similarity;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Pages.Ta;

/// <summary>
/// Code similarity and plagiarism cases. Staff run a comparison of an assignment's counting submissions in the
/// background and read the pairs above the threshold (each opens side by side on <c>/Ta/SimilarityPair</c>, where a
/// case is opened). Only the instructor confirms a case (after a second step showing what the plagiarism policy will
/// do to the grade), dismisses it, or reopens or overturns a confirmation, always with a note; cases and their
/// decisions are never deleted, so the table is also their history.
/// </summary>
public sealed class SimilarityModel(
    GraderDbContext db, CourseCatalog course, StaffDecisions decisions, SimilarityComparisons comparisons, SimilarityQueue queue, UserManager<AppUser> users,
    Gradebook gradebook) : PageModel, Grader.Web.Pages.IRedisplaysInvalidInput
{
    /// <summary>A reported pair as the table shows it, with the cases already opened on it.</summary>
    public sealed record PairRow(ComparedSubmission First, ComparedSubmission Second, double Jaccard, double ShareOfSmaller, int SharedFingerprints, int Regions, IReadOnlyList<SimilarityCase> Cases);

    public IReadOnlyList<SimilarityCase> Cases { get; private set; } = [];

    /// <summary>Every decision on the shown cases, oldest first per case: how each came to stand where it stands.</summary>
    public ILookup<long, SimilarityCaseDecision> History { get; private set; } = Array.Empty<SimilarityCaseDecision>().ToLookup(d => d.CaseId);

    /// <summary>
    /// A confirmation the instructor asked for and has not yet given: the case, the note, and the policy engine's grade of
    /// the student as it stands and as it would be once confirmed.
    /// </summary>
    public sealed record PendingConfirmation(SimilarityCase Case, string Note, AssignmentTitleAndGrades Assignment, FinalGrade Now, FinalGrade IfConfirmed);

    /// <param name="Now">The assignment's grade now; null when the course has no such component.</param>
    public sealed record AssignmentTitleAndGrades(string Title, AssignmentGrade? Now, AssignmentGrade? IfConfirmed);

    public PendingConfirmation? Confirmation { get; private set; }

    /// <summary>Every submission staff can pick from for a case opened by hand, newest first per assignment.</summary>
    public IReadOnlyList<SubmissionRecord> Submissions { get; private set; } = [];

    /// <summary>Assignments with code to compare.</summary>
    public IReadOnlyList<Assignment> CodeAssignments { get; private set; } = [];

    public ComparisonStatus? Status { get; private set; }

    public bool ComparisonPending { get; private set; }

    public StoredSimilarityReport? Report { get; private set; }

    public IReadOnlyList<PairRow> Pairs { get; private set; } = [];

    public IReadOnlyList<string> ArchiveYears { get; private set; } = [];

    public SimilaritySettings Settings => comparisons.Settings;

    public bool IsInstructor => User.IsInRole(Roles.Instructor);

    /// <summary>The assignment whose comparison is shown (query <c>?assignment=</c>).</summary>
    [BindProperty(SupportsGet = true)]
    public string Assignment { get; set; } = "";

    [BindProperty]
    public bool IncludeArchives { get; set; }

    [BindProperty]
    public long SubmissionId { get; set; }

    [BindProperty]
    public long OtherSubmissionId { get; set; }

    [BindProperty]
    public double SimilarityPercent { get; set; }

    [BindProperty]
    public string Summary { get; set; } = "";

    [BindProperty]
    public long CaseId { get; set; }

    [BindProperty]
    public string DecisionNote { get; set; } = "";

    /// <summary>Set by the confirmation step's button: the instructor has read what confirming does.</summary>
    [BindProperty]
    public bool ConfirmationGiven { get; set; }

    /// <summary>Shown after a comparison is queued or refused.</summary>
    [TempData]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> RedisplayAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostCompareAsync(CancellationToken cancellationToken)
    {
        var by = await users.GetUserAsync(User);
        if (by is null || !SubmissionAccess.IsStaff(User))
        {
            return Forbid();
        }

        if (course.Tree.Assignments.All(a => a.Id != Assignment))
        {
            ModelState.AddModelError(nameof(Assignment), $"There is no assignment '{Assignment}'.");
            await LoadAsync(cancellationToken);
            return Page();
        }

        bool queued = await queue.EnqueueAsync(Assignment, IncludeArchives, by, cancellationToken);
        Message = queued
            ? $"Comparison of {Assignment} queued; this page shows the pairs once it has run."
            : $"A comparison of {Assignment} is already queued or running; this page shows the pairs once it has run.";
        return RedirectToPage(new { assignment = Assignment });
    }

    public Task<IActionResult> OnPostOpenAsync(CancellationToken cancellationToken) =>
        DecideAsync(instructorOnly: false, by => decisions.OpenSimilarityCaseAsync(SubmissionId, OtherSubmissionId, SimilarityPercent, Summary, by, cancellationToken), cancellationToken);

    /// <summary>
    /// Two steps: the first shows what the plagiarism policy will do to the student's grade (from the policy engine) and
    /// asks again; only the second, with <see cref="ConfirmationGiven"/>, confirms.
    /// </summary>
    public async Task<IActionResult> OnPostConfirmAsync(CancellationToken cancellationToken)
    {
        if (ConfirmationGiven)
        {
            return await DecideAsync(instructorOnly: true, by => decisions.ConfirmSimilarityCaseAsync(CaseId, DecisionNote, by, cancellationToken), cancellationToken);
        }

        if (await users.GetUserAsync(User) is null || !IsInstructor)
        {
            return Forbid();
        }

        try
        {
            var open = await decisions.CaseToConfirmAsync(CaseId, DecisionNote, cancellationToken);
            var (now, ifConfirmed) = await gradebook.IfConfirmedAsync(open, cancellationToken);
            AssignmentGrade? Of(FinalGrade grade) => grade.Components.FirstOrDefault(c => c.Assignment.AssignmentId == open.AssignmentId)?.Assignment;
            string title = course.Tree.Assignments.FirstOrDefault(a => a.Id == open.AssignmentId)?.Title ?? open.AssignmentId;
            Confirmation = new PendingConfirmation(open, DecisionNote.Trim(), new AssignmentTitleAndGrades(title, Of(now), Of(ifConfirmed)), now, ifConfirmed);
        }
        catch (ReviewRejectedException rejected)
        {
            ModelState.AddModelError(string.Empty, rejected.Message);
        }
        catch (GradingInputException refused)
        {
            ModelState.AddModelError(string.Empty, $"The policy engine cannot grade the course as it stands, so confirming cannot be previewed: {refused.Message}");
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public Task<IActionResult> OnPostReopenAsync(CancellationToken cancellationToken) =>
        DecideAsync(instructorOnly: true, by => decisions.ReopenSimilarityCaseAsync(CaseId, DecisionNote, by, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostOverturnAsync(CancellationToken cancellationToken) =>
        DecideAsync(instructorOnly: true, by => decisions.OverturnSimilarityCaseAsync(CaseId, DecisionNote, by, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostDismissAsync(CancellationToken cancellationToken) =>
        DecideAsync(instructorOnly: true, by => decisions.DismissSimilarityCaseAsync(CaseId, DecisionNote, by, cancellationToken), cancellationToken);

    private async Task<IActionResult> DecideAsync(bool instructorOnly, Func<AppUser, Task> decide, CancellationToken cancellationToken)
    {
        var by = await users.GetUserAsync(User);
        if (by is null || !SubmissionAccess.IsStaff(User) || (instructorOnly && !IsInstructor))
        {
            return Forbid();
        }

        try
        {
            await decide(by);
        }
        catch (ReviewRejectedException rejected)
        {
            ModelState.AddModelError(string.Empty, rejected.Message);
            await LoadAsync(cancellationToken);
            return Page();
        }

        return RedirectToPage(new { assignment = string.IsNullOrEmpty(Assignment) ? null : Assignment });
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        CodeAssignments = course.Tree.Assignments.Where(a => a.Kind == AssignmentKind.AutogradedCode).ToList();
        if (CodeAssignments.All(a => a.Id != Assignment))
        {
            Assignment = CodeAssignments.FirstOrDefault()?.Id ?? "";
        }

        Cases = (await db.SimilarityCases.AsNoTracking().ToListAsync(cancellationToken))
            .OrderBy(c => c.IsUndecided() ? 0 : 1).ThenByDescending(c => c.Id).ToList();
        History = (await db.SimilarityCaseDecisions.AsNoTracking().ToListAsync(cancellationToken))
            .OrderBy(d => d.AtUtc).ThenBy(d => d.Id).ToLookup(d => d.CaseId);
        Submissions = (await db.Submissions.AsNoTracking().ToListAsync(cancellationToken))
            .OrderBy(s => s.AssignmentId, StringComparer.Ordinal).ThenBy(s => s.SubmitterId, StringComparer.Ordinal).ThenByDescending(s => s.Id).ToList();
        if (Assignment.Length == 0)
        {
            return;
        }

        Status = comparisons.Status(Assignment);
        ComparisonPending = await queue.IsPendingAsync(Assignment, cancellationToken);
        ArchiveYears = comparisons.ArchiveYears(Assignment);
        Report = comparisons.Latest(Assignment);
        if (Report is { } report)
        {
            Pairs = report.Report.Pairs.Select(p =>
            {
                var first = report.Submission(p.First)!;
                var second = report.Submission(p.Second)!;
                var cases = Cases.Where(c => c.AssignmentId == Assignment && (IsCaseOn(c, first, second) || IsCaseOn(c, second, first))).ToList();
                return new PairRow(first, second, p.Jaccard, p.ShareOfSmaller, p.SharedFingerprints, p.Regions.Count, cases);
            }).ToList();
        }
    }

    /// <summary>Whether <paramref name="c"/> was opened against <paramref name="suspect"/> compared with <paramref name="other"/>.</summary>
    public static bool IsCaseOn(SimilarityCase c, ComparedSubmission suspect, ComparedSubmission other)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(suspect);
        ArgumentNullException.ThrowIfNull(other);
        return c.SubmissionId is { } id && id == suspect.SubmissionId
            && (other.SubmissionId is { } otherId ? c.OtherSubmissionId == otherId : c.OtherSubmissionId is null && c.OtherStudentIdentifier == other.Id);
    }
}
