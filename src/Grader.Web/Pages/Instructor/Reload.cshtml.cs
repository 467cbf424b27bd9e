using Grader.Data.Course;
using Grader.Data;
using Grader.Web.Demo;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Pages.Instructor;

/// <summary>
/// Reloads assignments/ and rubrics/ from disk: shows the loader's errors (and changes nothing) or the differences with
/// the loaded course, and applies them only when the instructor confirms the very files that were shown.
/// </summary>
public sealed class ReloadModel(CourseCatalog course, GraderDbContext db, DemoSeeder seeder, ILoggerFactory loggers,
    Grader.Data.Grading.GradingService grading, Grader.Data.Grading.IGradingQueue queue) : PageModel
{
    private readonly ILogger audit = loggers.CreateLogger("Grader.Audit");

    public CoursePreview Preview { get; private set; } = null!;

    /// <summary>Changes the app refuses even though the files are valid (they would orphan recorded work).</summary>
    public IReadOnlyList<string> Blockers { get; private set; } = [];

    public bool CanApply => Preview.IsValid && Blockers.Count == 0 && Preview.Changes.Count > 0;

    /// <summary>The fingerprint of the files the instructor reviewed.</summary>
    [BindProperty]
    public string? Fingerprint { get; set; }

    [TempData]
    public string? Applied { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostApplyAsync(CancellationToken cancellationToken)
    {
        if (!User.IsInRole(Roles.Instructor))
        {
            return Forbid();
        }

        await LoadAsync(cancellationToken);
        string? refusal = !Preview.IsValid ? "Nothing was applied: the course files have errors."
            : !string.Equals(Fingerprint, Preview.Fingerprint, StringComparison.Ordinal) ? "Nothing was applied: the course files changed since you reviewed them. Review the differences below and confirm again."
            : Blockers.Count > 0 ? "Nothing was applied: see the problems below."
            : Preview.Changes.Count == 0 ? "Nothing was applied: the files match the loaded course."
            : null;
        if (refusal is not null)
        {
            ModelState.AddModelError(string.Empty, refusal);
            return Page();
        }

        var inputsBefore = course.Tree.Assignments.ToDictionary(a => a.Id, a => course.CourseInputsOf(a.Id));
        course.Apply(Preview.Tree!);
        await seeder.SyncCourseAsync(cancellationToken);
        var regraded = await grading.RequeueChangedByReloadAsync(inputsBefore, cancellationToken);
        foreach (var run in regraded)
        {
            await queue.EnqueueAsync(run.Id, cancellationToken);
        }

        audit.LogInformation("{User} reloaded the course ({Fingerprint}): {Changes}", User.Identity?.Name, Preview.Fingerprint,
            string.Join("; ", Preview.Changes.Select(c => $"{c.Kind} {c.Subject}: {c.Before ?? "–"} -> {c.After ?? "–"}")));
        Applied = $"Applied {Preview.Changes.Count} change(s)." + (regraded.Count > 0 ? $" {regraded.Count} submission(s) are being graded again under the new files." : "");
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Preview = course.PreviewReload();
        var blockers = new List<string>();
        foreach (var removed in Preview.Changes.Where(c => c.Kind == "assignment removed"))
        {
            int submissions = await db.Submissions.CountAsync(s => s.AssignmentId == removed.Subject, cancellationToken);
            if (submissions > 0)
            {
                blockers.Add($"Assignment '{removed.Subject}' has {submissions} submission(s); it cannot be removed.");
            }
        }

        Blockers = blockers;
    }
}
