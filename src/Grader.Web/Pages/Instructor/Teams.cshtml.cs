using Grader.Data;
using Grader.Data.Course;
using Grader.Web.Grading;
using Grader.Web.Project;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Pages.Instructor;

/// <summary>
/// Teams: add, remove and move students at any time (after the team deadline only the instructor can), each with a
/// note kept in the history; and the finding on a team paper's contribution statements (missing: the course's deduction).
/// </summary>
public sealed class TeamsModel(GraderDbContext db, StaffDecisions decisions, TeamFormation formation, CourseCatalog course, UserManager<AppUser> users) : PageModel
{
    /// <summary>The target that means "a new team of their own" in the add and move forms.</summary>
    public const string NewTeam = "(new)";

    public IReadOnlyList<TeamRecord> Teams { get; private set; } = [];

    public IReadOnlyList<TeamChange> History { get; private set; } = [];

    public IReadOnlyList<RosterEntry> WithoutTeam { get; private set; } = [];

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    public bool StudentsMayChangeTeams => formation.StudentsMayChangeTeams;

    public string? FinalizedBy => formation.FinalizedBy is { } at ? Display.Time(at.ToInstant(), course.Tree.Course.TimeZone) : null;

    public int MaxSize => formation.MaxSize;

    [BindProperty]
    public string? TeamId { get; set; }

    [BindProperty]
    public string? StudentId { get; set; }

    /// <summary>"present" or "missing": a radio choice, so that nothing is recorded by accident.</summary>
    [BindProperty]
    public string? Finding { get; set; }

    [BindProperty]
    public string? Note { get; set; }

    [TempData]
    public string? Notice { get; set; }

    public string NameOf(string id) => Names.TryGetValue(id, out var name) ? $"{name} ({id})" : id;

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public Task<IActionResult> OnPostFindingAsync(CancellationToken cancellationToken) => ActAsync(async by =>
    {
        bool present = Finding switch
        {
            "present" => true,
            "missing" => false,
            _ => throw new ReviewRejectedException("Choose whether the paper has contribution statements."),
        };
        await decisions.RecordContributionFindingAsync(TeamId ?? "", present, Note ?? "", by, cancellationToken);
        return $"Recorded for team {TeamId}: contribution statements {(present ? "present" : "missing")}.";
    }, cancellationToken);

    /// <summary>Puts a student who is in no team into a team (or a new team of their own).</summary>
    public Task<IActionResult> OnPostAddAsync(CancellationToken cancellationToken) => ActAsync(async by =>
    {
        var team = await formation.PlaceAsync(StudentId ?? "", TeamId is null or NewTeam ? "" : TeamId, mustBeInTeam: false, Note ?? "", by, cancellationToken);
        return $"{StudentId?.Trim()} added to team {team!.Id}.";
    }, cancellationToken);

    /// <summary>Moves a student from their team to another (or a new team of their own).</summary>
    public Task<IActionResult> OnPostMoveAsync(CancellationToken cancellationToken) => ActAsync(async by =>
    {
        var team = await formation.PlaceAsync(StudentId ?? "", TeamId is null or NewTeam ? "" : TeamId, mustBeInTeam: true, Note ?? "", by, cancellationToken);
        return $"{StudentId?.Trim()} moved to team {team!.Id}.";
    }, cancellationToken);

    /// <summary>Takes a student out of their team; the last member out disbands it.</summary>
    public Task<IActionResult> OnPostRemoveAsync(CancellationToken cancellationToken) => ActAsync(async by =>
    {
        await formation.PlaceAsync(StudentId ?? "", null, mustBeInTeam: true, Note ?? "", by, cancellationToken);
        return $"{StudentId?.Trim()} removed from their team.";
    }, cancellationToken);

    private async Task<IActionResult> ActAsync(Func<AppUser, Task<string>> action, CancellationToken cancellationToken)
    {
        var by = await users.GetUserAsync(User);
        if (by is null || !User.IsInRole(Roles.Instructor))
        {
            return Forbid();
        }

        try
        {
            Notice = await action(by);
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
        Teams = await db.Teams.AsNoTracking().Include(t => t.Members).OrderBy(t => t.Id).ToListAsync(cancellationToken);
        History = await formation.HistoryAsync(null, null, cancellationToken);
        var roster = await db.Roster.AsNoTracking().OrderBy(r => r.Identifier).ToListAsync(cancellationToken);
        var placed = Teams.SelectMany(t => t.Members).Select(m => m.StudentIdentifier).ToHashSet(StringComparer.Ordinal);
        WithoutTeam = roster.Where(r => !placed.Contains(r.Identifier)).ToList();
        Names = roster.ToDictionary(r => r.Identifier, r => r.Name);
    }
}
