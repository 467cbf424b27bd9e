using Grader.Data.Course;
using Grader.Data;
using Grader.Data.Grading;
using Grader.Web.Grading;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Grader.Web.Pages;

namespace Grader.Web.Pages.Instructor;

/// <summary>
/// Extensions: the instructor grants (or changes) and revokes them; the student sees the one in force on their
/// assignments page. Nothing is deleted: the page lists the extensions in force and, below, the whole history.
/// </summary>
public sealed class ExtensionsModel(GraderDbContext db, CourseCatalog course, StaffDecisions decisions, UserManager<AppUser> users) : PageModel, IRedisplaysInvalidInput
{
    /// <summary>The extension in force per (submitter, assignment).</summary>
    public IReadOnlyList<ExtensionRecord> Extensions { get; private set; } = [];

    /// <summary>Every extension ever granted, newest first, revoked ones with who revoked them and why.</summary>
    public IReadOnlyList<ExtensionRecord> History { get; private set; } = [];

    /// <summary>Who may get an extension: roster students (netid, name), then teams.</summary>
    public IReadOnlyList<(string Id, string Label)> Submitters { get; private set; } = [];

    public CourseCatalog Course => course;

    [BindProperty]
    public string SubmitterId { get; set; } = "";

    [BindProperty]
    public string AssignmentId { get; set; } = "";

    [BindProperty]
    public int Days { get; set; } = 1;

    [BindProperty]
    public string Reason { get; set; } = "";

    [BindProperty]
    public long ExtensionId { get; set; }

    [BindProperty]
    public string RevokeReason { get; set; } = "";

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> RedisplayAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        return Page();
    }

    public Task<IActionResult> OnPostGrantAsync(CancellationToken cancellationToken) =>
        DecideAsync(by => decisions.GrantExtensionAsync(SubmitterId, AssignmentId, Days, Reason, by, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostRevokeAsync(CancellationToken cancellationToken) =>
        DecideAsync(by => decisions.RevokeExtensionAsync(ExtensionId, RevokeReason, by, cancellationToken), cancellationToken);

    private async Task<IActionResult> DecideAsync(Func<AppUser, Task> decide, CancellationToken cancellationToken)
    {
        // The folder convention already admits only instructors; this is the second lock on the door.
        var by = await users.GetUserAsync(User);
        if (by is null || !User.IsInRole(Roles.Instructor))
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
        var all = await db.Extensions.AsNoTracking().ToListAsync(cancellationToken);
        Extensions = all.NewestPerSubmitterAndAssignment()
            .OrderBy(e => e.AssignmentId, StringComparer.Ordinal).ThenBy(e => e.SubmitterId, StringComparer.Ordinal).ToList();
        History = all.OrderByDescending(e => e.GrantedAtUtc).ThenByDescending(e => e.Id).ToList();
        var teams = await db.Teams.AsNoTracking().OrderBy(t => t.Id).Select(t => new { t.Id, t.Name }).ToListAsync(cancellationToken);
        Submitters =
        [
            .. course.Tree.Roster.Select(s => (s.Identifier, $"{s.Identifier} — {s.Name}")),
            .. teams.Select(t => (t.Id, $"team {t.Id} {t.Name}".TrimEnd())),
        ];
    }
}
