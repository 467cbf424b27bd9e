using Grader.Web.Data;
using Grader.Web.Grading;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Pages.Ta;

/// <summary>
/// Similarity (plagiarism) cases. A TA or the instructor opens one between two submissions of an assignment; only the
/// instructor confirms (the course's plagiarism policy then applies) or dismisses it.
/// </summary>
public sealed class SimilarityModel(GraderDbContext db, StaffDecisions decisions, UserManager<AppUser> users) : PageModel
{
    public IReadOnlyList<SimilarityCase> Cases { get; private set; } = [];

    /// <summary>Every submission staff can pick from, newest first per assignment.</summary>
    public IReadOnlyList<SubmissionRecord> Submissions { get; private set; } = [];

    public bool IsInstructor => User.IsInRole(Roles.Instructor);

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

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public Task<IActionResult> OnPostOpenAsync(CancellationToken cancellationToken) =>
        DecideAsync(instructorOnly: false, by => decisions.OpenSimilarityCaseAsync(SubmissionId, OtherSubmissionId, SimilarityPercent, Summary, by, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostConfirmAsync(CancellationToken cancellationToken) =>
        DecideAsync(instructorOnly: true, by => decisions.ConfirmSimilarityCaseAsync(CaseId, by, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostDismissAsync(CancellationToken cancellationToken) =>
        DecideAsync(instructorOnly: true, by => decisions.DismissSimilarityCaseAsync(CaseId, by, cancellationToken), cancellationToken);

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

        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Cases = await db.SimilarityCases.AsNoTracking().OrderBy(c => c.ConfirmedAtUtc != null).ThenBy(c => c.Id).ToListAsync(cancellationToken);
        Submissions = (await db.Submissions.AsNoTracking().ToListAsync(cancellationToken))
            .OrderBy(s => s.AssignmentId, StringComparer.Ordinal).ThenBy(s => s.SubmitterId, StringComparer.Ordinal).ThenByDescending(s => s.Id).ToList();
    }
}
