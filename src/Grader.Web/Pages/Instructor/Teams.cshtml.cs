using Grader.Web.Data;
using Grader.Web.Grading;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Pages.Instructor;

/// <summary>Teams and the finding on their paper's contribution statements (missing: the course's deduction applies).</summary>
public sealed class TeamsModel(GraderDbContext db, StaffDecisions decisions, UserManager<AppUser> users) : PageModel
{
    public IReadOnlyList<TeamRecord> Teams { get; private set; } = [];

    [BindProperty]
    public string TeamId { get; set; } = "";

    /// <summary>"present" or "missing": a radio choice, so that nothing is recorded by accident.</summary>
    [BindProperty]
    public string Finding { get; set; } = "";

    [BindProperty]
    public string Note { get; set; } = "";

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostFindingAsync(CancellationToken cancellationToken)
    {
        var by = await users.GetUserAsync(User);
        if (by is null || !User.IsInRole(Roles.Instructor))
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
            await decisions.RecordContributionFindingAsync(TeamId, present, Note, by, cancellationToken);
        }
        catch (ReviewRejectedException rejected)
        {
            ModelState.AddModelError(string.Empty, rejected.Message);
            await LoadAsync(cancellationToken);
            return Page();
        }

        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken) =>
        Teams = await db.Teams.AsNoTracking().Include(t => t.Members).OrderBy(t => t.Id).ToListAsync(cancellationToken);
}
