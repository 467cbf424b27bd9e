using Grader.Core.Configuration;
using Grader.Data;
using Grader.Data.Course;
using Grader.Web.Grading;
using Grader.Web.Project;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Pages.Ta;

/// <summary>
/// Every team's latest project PDFs with their automatic checks. A paper whose check finds contribution statements
/// missing proposes the course's deduction; it applies only when a TA confirms it here (or records them present).
/// </summary>
public sealed class DocumentsModel(ProjectDocuments documents, StaffDecisions decisions, GraderDbContext db, CourseCatalog course, UserManager<AppUser> users) : PageModel
{
    public IReadOnlyList<DocumentView> Documents { get; private set; } = [];

    public IReadOnlyDictionary<string, TeamRecord> Teams { get; private set; } = new Dictionary<string, TeamRecord>();

    /// <summary>The assignment whose contribution statements the course checks (course.yaml team_policy), if any.</summary>
    public string? ContributionAssignmentId => course.Tree.Course.TeamPolicy.ContributionStatement?.AssignmentId;

    public decimal DeductionPercent => course.Tree.Course.TeamPolicy.ContributionStatement?.DeductionPercent ?? 0;

    [BindProperty]
    public string? TeamId { get; set; }

    /// <summary>"missing" or "present": a choice per button, so nothing is recorded by accident.</summary>
    [BindProperty]
    public string? Finding { get; set; }

    [BindProperty]
    public string? Note { get; set; }

    [TempData]
    public string? Notice { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostContributionsAsync(CancellationToken cancellationToken)
    {
        var by = await users.GetUserAsync(User);
        if (by is null || !(User.IsInRole(Roles.Ta) || User.IsInRole(Roles.Instructor)))
        {
            return Forbid();
        }

        try
        {
            bool present = Finding switch
            {
                "present" => true,
                "missing" => false,
                _ => throw new ReviewRejectedException("Choose whether the paper has contribution statements."),
            };
            await decisions.RecordContributionFindingAsync(TeamId ?? "", present, Note ?? "", by, cancellationToken);
            Notice = present
                ? $"Recorded for team {TeamId}: contribution statements present."
                : $"Recorded for team {TeamId}: contribution statements missing; the {DeductionPercent:0.##}% deduction now applies to every member.";
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
        Documents = await documents.LatestAsync(null, cancellationToken);
        Teams = await db.Teams.AsNoTracking().Include(t => t.Members).ToDictionaryAsync(t => t.Id, cancellationToken);
    }
}
