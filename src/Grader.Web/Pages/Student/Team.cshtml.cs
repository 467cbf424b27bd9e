using Grader.Data;
using Grader.Data.Course;
using Grader.Web.Grading;
using Grader.Web.Project;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Pages.Student;

/// <summary>A student's project team: work alone, invite a classmate, answer an invitation, leave; and the team's history.</summary>
public sealed class TeamModel(TeamFormation teams, GraderDbContext db, CourseCatalog course, UserManager<AppUser> users) : PageModel
{
    public string Me { get; private set; } = "";

    public TeamRecord? MyTeam { get; private set; }

    public IReadOnlyList<TeamInvitation> InvitationsToMe { get; private set; } = [];

    public IReadOnlyList<TeamInvitation> InvitationsFromMyTeam { get; private set; } = [];

    public IReadOnlyList<TeamChange> History { get; private set; } = [];

    public IReadOnlyDictionary<string, string> Names { get; private set; } = new Dictionary<string, string>();

    public int MaxSize => teams.MaxSize;

    public bool Open => teams.StudentsMayChangeTeams;

    public string? FinalizedBy => teams.FinalizedBy is { } at ? Display.Time(at.ToInstant(), course.Tree.Course.TimeZone) : null;

    [BindProperty]
    public string? Classmate { get; set; }

    [BindProperty]
    public string? TeamId { get; set; }

    [TempData]
    public string? Notice { get; set; }

    public string NameOf(string id) => Names.TryGetValue(id, out var name) ? $"{name} ({id})" : id;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var me = await users.GetUserAsync(User);
        if (me?.StudentIdentifier is null)
        {
            return Forbid();
        }

        await LoadAsync(me.StudentIdentifier, cancellationToken);
        return Page();
    }

    public Task<IActionResult> OnPostSoloAsync(CancellationToken cancellationToken) =>
        ActAsync((me, id) => teams.GoSoloAsync(id, me, cancellationToken), "You work alone: your team of one is formed.", cancellationToken);

    public Task<IActionResult> OnPostInviteAsync(CancellationToken cancellationToken) =>
        ActAsync((me, id) => teams.InviteAsync(id, Classmate ?? "", me, cancellationToken), $"Invitation sent to {Classmate?.Trim()}; they accept or decline it on their Team page.", cancellationToken);

    public Task<IActionResult> OnPostAcceptAsync(CancellationToken cancellationToken) =>
        ActAsync((me, id) => teams.AcceptAsync(id, TeamId ?? "", me, cancellationToken), $"You joined team {TeamId}.", cancellationToken);

    public Task<IActionResult> OnPostDeclineAsync(CancellationToken cancellationToken) =>
        ActAsync((me, id) => teams.DeclineAsync(id, TeamId ?? "", me, cancellationToken), $"You declined team {TeamId}'s invitation.", cancellationToken);

    public Task<IActionResult> OnPostWithdrawAsync(CancellationToken cancellationToken) =>
        ActAsync((me, id) => teams.WithdrawAsync(id, Classmate ?? "", me, cancellationToken), $"Invitation to {Classmate} withdrawn.", cancellationToken);

    public Task<IActionResult> OnPostLeaveAsync(CancellationToken cancellationToken) =>
        ActAsync((me, id) => teams.LeaveAsync(id, me, cancellationToken), "You left your team.", cancellationToken);

    private async Task<IActionResult> ActAsync(Func<AppUser, string, Task> action, string done, CancellationToken cancellationToken)
    {
        var me = await users.GetUserAsync(User);
        if (me?.StudentIdentifier is not { } id || !User.IsInRole(Roles.Student))
        {
            return Forbid();
        }

        try
        {
            await action(me, id);
        }
        catch (ReviewRejectedException rejected)
        {
            ModelState.AddModelError(string.Empty, rejected.Message);
            await LoadAsync(id, cancellationToken);
            return Page();
        }

        Notice = done;
        return RedirectToPage();
    }

    private async Task LoadAsync(string me, CancellationToken cancellationToken)
    {
        Me = me;
        MyTeam = await teams.TeamOfAsync(me, cancellationToken);
        var open = await teams.OpenInvitationsAsync(cancellationToken);
        InvitationsToMe = MyTeam is null ? open.Where(i => i.InviteeId == me).ToList() : [];
        InvitationsFromMyTeam = MyTeam is null ? [] : await teams.PendingInvitationsOfAsync(MyTeam.Id, cancellationToken);
        var myTeams = await db.TeamChanges.AsNoTracking().Where(c => c.StudentIdentifier == me).Select(c => c.TeamId).Distinct().ToListAsync(cancellationToken);
        History = await teams.HistoryAsync(myTeams, me, cancellationToken);
        // Names only of those who were in a team with this student: an invitee is shown by the netid the inviter typed.
        TeamChangeKind[] membership = [TeamChangeKind.Formed, TeamChangeKind.Joined, TeamChangeKind.Left];
        var ids = History.Where(c => membership.Contains(c.Kind)).Select(c => c.StudentIdentifier)
            .Concat(MyTeam?.Members.Select(m => m.StudentIdentifier) ?? []).Append(me).Distinct().ToList();
        Names = await db.Roster.AsNoTracking().Where(r => ids.Contains(r.Identifier)).ToDictionaryAsync(r => r.Identifier, r => r.Name, cancellationToken);
    }
}
