using System.Globalization;
using Grader.Data;
using Grader.Data.Course;
using Grader.Web.Grading;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Grader.Web.Project;

/// <summary>A classmate's invitation that is still open: who invited whom into which team, and when.</summary>
public sealed record TeamInvitation(string TeamId, string InviteeId, string InvitedByName, DateTime AtUtc);

/// <summary>
/// How project teams come to be (course.yaml <c>team_policy</c>): before <c>finalized_by</c> (course clock) a student
/// goes solo or invites a classmate, who accepts or declines; afterwards only an instructor adds, removes or moves a
/// student, with a note. Every change is a <see cref="TeamChange"/> row. The unique index on
/// <see cref="TeamMember.StudentIdentifier"/> backs the "one team per student" rule against concurrent requests.
/// </summary>
public sealed class TeamFormation(GraderDbContext db, CourseCatalog course, IClock clock, ILoggerFactory loggers)
{
    private readonly ILogger audit = loggers.CreateLogger("Grader.Audit");

    /// <summary>The longest netid an invitation takes (roster identifiers are much shorter).</summary>
    public const int MaxNetIdLength = 64;

    public int MaxSize => course.Tree.Course.TeamPolicy.MaxSize;

    /// <summary>When students stop forming teams themselves; null when the course sets no such date.</summary>
    public ZonedDateTime? FinalizedBy =>
        course.Tree.Course.TeamPolicy.FinalizedBy is { } local ? local.InZoneLeniently(course.Tree.Course.TimeZone) : null;

    public bool StudentsMayChangeTeams => FinalizedBy is not { } end || clock.GetCurrentInstant() <= end.ToInstant();

    public async Task<TeamRecord?> TeamOfAsync(string studentId, CancellationToken cancellationToken)
    {
        var teamId = await db.TeamMembers.AsNoTracking().Where(m => m.StudentIdentifier == studentId).Select(m => m.TeamId)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return teamId is null ? null
            : await db.Teams.AsNoTracking().Include(t => t.Members).SingleAsync(t => t.Id == teamId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Invitations still open: the newest row about (team, invitee) is the invitation, the team still exists and has
    /// room, and the invitee is in no team.
    /// </summary>
    public async Task<IReadOnlyList<TeamInvitation>> OpenInvitationsAsync(CancellationToken cancellationToken)
    {
        TeamChangeKind[] answers = [TeamChangeKind.Invited, TeamChangeKind.Joined, TeamChangeKind.Declined, TeamChangeKind.Withdrawn];
        var rows = await db.TeamChanges.AsNoTracking().Where(c => answers.Contains(c.Kind)).ToListAsync(cancellationToken).ConfigureAwait(false);
        var teams = await db.Teams.AsNoTracking().Include(t => t.Members).ToDictionaryAsync(t => t.Id, cancellationToken).ConfigureAwait(false);
        var placed = teams.Values.SelectMany(t => t.Members).Select(m => m.StudentIdentifier).ToHashSet(StringComparer.Ordinal);
        return rows.GroupBy(c => (c.TeamId, c.StudentIdentifier))
            .Select(g => g.OrderByDescending(c => c.AtUtc).ThenByDescending(c => c.Id).First())
            .Where(c => c.Kind == TeamChangeKind.Invited && teams.TryGetValue(c.TeamId, out var team) && team.Members.Count < MaxSize && !placed.Contains(c.StudentIdentifier))
            .OrderBy(c => c.AtUtc).ThenBy(c => c.Id)
            .Select(c => new TeamInvitation(c.TeamId, c.StudentIdentifier, c.ByName, c.AtUtc))
            .ToList();
    }

    /// <summary>The history of the given teams and students (all of it when both are null), oldest first.</summary>
    public async Task<IReadOnlyList<TeamChange>> HistoryAsync(IReadOnlyCollection<string>? teamIds, string? studentId, CancellationToken cancellationToken)
    {
        var query = db.TeamChanges.AsNoTracking();
        if (teamIds is not null || studentId is not null)
        {
            var teams = teamIds ?? [];
            query = query.Where(c => teams.Contains(c.TeamId) || c.StudentIdentifier == studentId);
        }

        return await query.OrderBy(c => c.AtUtc).ThenBy(c => c.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A student works alone: a team of one, so that the team's submissions and grades work the same way.</summary>
    public async Task<TeamRecord> GoSoloAsync(string studentId, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        RejectAfterFinalization();
        await RejectIfInTeamAsync(studentId, "You are", cancellationToken).ConfigureAwait(false);
        var team = await NewTeamAsync(studentId, by, "", cancellationToken).ConfigureAwait(false);
        await SaveAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} formed team {Team} alone", by.UserName, team.Id);
        return team;
    }

    /// <summary>
    /// Invites <paramref name="inviteeId"/> into the inviter's team, forming a team of one first when the inviter has
    /// none. The invitee joins only by accepting.
    /// </summary>
    public async Task<TeamInvitation> InviteAsync(string inviterId, string inviteeId, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        RejectAfterFinalization();
        inviteeId = (inviteeId ?? "").Trim();
        if (inviteeId.Length == 0)
        {
            throw new ReviewRejectedException("Enter your classmate's netid.");
        }

        if (string.Equals(inviteeId, inviterId, StringComparison.OrdinalIgnoreCase))
        {
            throw new ReviewRejectedException("You cannot invite yourself; to work alone, choose \"Work alone\".");
        }

        if (inviteeId.Length > MaxNetIdLength || !inviteeId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
        {
            throw new ReviewRejectedException($"A netid has at most {MaxNetIdLength} letters, digits, dots, dashes and underscores; '{inviteeId}' is not one.");
        }

        // Whether the netid is on the roster, or its student already in a team, is never said: the invitation is
        // recorded the same way and the inviter reads "invitation sent". Only the invitee can answer it.
        var team = await db.Teams.Include(t => t.Members).SingleOrDefaultAsync(t => t.Members.Any(m => m.StudentIdentifier == inviterId), cancellationToken).ConfigureAwait(false)
            ?? await NewTeamAsync(inviterId, by, "", cancellationToken).ConfigureAwait(false);
        var open = await PendingInvitationsOfAsync(team.Id, cancellationToken).ConfigureAwait(false);
        if (open.Any(i => i.InviteeId == inviteeId))
        {
            throw new ReviewRejectedException($"Your team's invitation to {inviteeId} is still open; they answer it on their Team page.");
        }

        if (team.Members.Any(m => m.StudentIdentifier == inviteeId))
        {
            throw new ReviewRejectedException($"{inviteeId} is already in your team.");
        }

        if (team.Members.Count + open.Count >= MaxSize)
        {
            throw new ReviewRejectedException(open.Count > 0
                ? $"Teams have at most {MaxSize} members and your invitation to {string.Join(", ", open.Select(i => i.InviteeId))} is still open; withdraw it first."
                : $"Teams have at most {MaxSize} members; yours is full.");
        }

        var change = Record(team.Id, inviteeId, TeamChangeKind.Invited, by, "");
        await SaveAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} invited {Invitee} into team {Team}", by.UserName, inviteeId, team.Id);
        return new TeamInvitation(team.Id, inviteeId, by.DisplayName, change.AtUtc);
    }

    /// <summary>
    /// The invitations a team sent that nobody answered or withdrew, as its members see them: whatever became of the
    /// invitee elsewhere (another team, not on the roster), which they are not told.
    /// </summary>
    public async Task<IReadOnlyList<TeamInvitation>> PendingInvitationsOfAsync(string teamId, CancellationToken cancellationToken)
    {
        TeamChangeKind[] answers = [TeamChangeKind.Invited, TeamChangeKind.Joined, TeamChangeKind.Declined, TeamChangeKind.Withdrawn];
        var rows = await db.TeamChanges.AsNoTracking().Where(c => c.TeamId == teamId && answers.Contains(c.Kind)).ToListAsync(cancellationToken).ConfigureAwait(false);
        var members = await db.TeamMembers.AsNoTracking().Where(m => m.TeamId == teamId).Select(m => m.StudentIdentifier).ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.GroupBy(c => c.StudentIdentifier)
            .Select(g => g.OrderByDescending(c => c.AtUtc).ThenByDescending(c => c.Id).First())
            .Where(c => c.Kind == TeamChangeKind.Invited && !members.Contains(c.StudentIdentifier))
            .OrderBy(c => c.AtUtc).ThenBy(c => c.Id)
            .Select(c => new TeamInvitation(c.TeamId, c.StudentIdentifier, c.ByName, c.AtUtc))
            .ToList();
    }

    public async Task AcceptAsync(string studentId, string teamId, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        RejectAfterFinalization();
        await RejectIfInTeamAsync(studentId, "You are", cancellationToken).ConfigureAwait(false);
        var invitation = (await OpenInvitationsAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(i => i.TeamId == teamId && i.InviteeId == studentId)
            ?? throw new ReviewRejectedException($"You have no open invitation from team '{teamId}' (it was withdrawn, or the team is full or gone).");
        var team = await db.Teams.Include(t => t.Members).SingleAsync(t => t.Id == invitation.TeamId, cancellationToken).ConfigureAwait(false);
        team.Members.Add(new TeamMember { TeamId = team.Id, StudentIdentifier = studentId });
        Record(team.Id, studentId, TeamChangeKind.Joined, by, $"accepted {invitation.InvitedByName}'s invitation");
        await RenameAsync(team, cancellationToken).ConfigureAwait(false);
        await SaveAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} joined team {Team}", by.UserName, team.Id);
    }

    public async Task DeclineAsync(string studentId, string teamId, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        RejectAfterFinalization();
        _ = (await OpenInvitationsAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(i => i.TeamId == teamId && i.InviteeId == studentId)
            ?? throw new ReviewRejectedException($"You have no open invitation from team '{teamId}'.");
        Record(teamId, studentId, TeamChangeKind.Declined, by, "");
        await SaveAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A member takes back their team's open invitation to <paramref name="inviteeId"/>.</summary>
    public async Task WithdrawAsync(string memberId, string inviteeId, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        RejectAfterFinalization();
        var team = await TeamOfAsync(memberId, cancellationToken).ConfigureAwait(false)
            ?? throw new ReviewRejectedException("You are in no team, so you have no invitations to withdraw.");
        _ = (await PendingInvitationsOfAsync(team.Id, cancellationToken).ConfigureAwait(false)).FirstOrDefault(i => i.InviteeId == inviteeId)
            ?? throw new ReviewRejectedException($"Your team has no open invitation to '{inviteeId}'.");
        Record(team.Id, inviteeId, TeamChangeKind.Withdrawn, by, "");
        await SaveAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task LeaveAsync(string studentId, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        RejectAfterFinalization();
        var team = await db.Teams.Include(t => t.Members).SingleOrDefaultAsync(t => t.Members.Any(m => m.StudentIdentifier == studentId), cancellationToken).ConfigureAwait(false)
            ?? throw new ReviewRejectedException("You are in no team.");
        await RemoveMemberAsync(team, studentId, by, "", cancellationToken).ConfigureAwait(false);
        await SaveAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} left team {Team}", by.UserName, team.Id);
    }

    /// <summary>
    /// The instructor places a student: into <paramref name="targetTeamId"/> (empty: a new team of their own) or, when
    /// <paramref name="targetTeamId"/> is null, out of any team. Works at any time; the note says why and is kept.
    /// </summary>
    /// <param name="mustBeInTeam">True for "move" and "remove", false for "add", null when either is fine.</param>
    public async Task<TeamRecord?> PlaceAsync(string studentId, string? targetTeamId, bool? mustBeInTeam, string note, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        studentId = (studentId ?? "").Trim();
        if (string.IsNullOrWhiteSpace(note))
        {
            throw new ReviewRejectedException("A note is required: say why the team changes (it stays in the team's history).");
        }

        note = note.Trim();
        var student = await db.Roster.AsNoTracking().SingleOrDefaultAsync(r => r.Identifier == studentId, cancellationToken).ConfigureAwait(false)
            ?? throw new ReviewRejectedException($"'{studentId}' is not a netid on the course roster.");
        var current = await db.Teams.Include(t => t.Members).SingleOrDefaultAsync(t => t.Members.Any(m => m.StudentIdentifier == student.Identifier), cancellationToken).ConfigureAwait(false);
        if (mustBeInTeam == true && current is null)
        {
            throw new ReviewRejectedException($"{student.Name} ({student.Identifier}) is in no team.");
        }

        if (mustBeInTeam == false && current is not null)
        {
            throw new ReviewRejectedException($"{student.Name} ({student.Identifier}) is already in team {current.Id}; move them instead.");
        }

        TeamRecord? target = null;
        if (!string.IsNullOrEmpty(targetTeamId))
        {
            target = await db.Teams.Include(t => t.Members).SingleOrDefaultAsync(t => t.Id == targetTeamId, cancellationToken).ConfigureAwait(false)
                ?? throw new ReviewRejectedException($"There is no team '{targetTeamId}'.");
            if (target.Id == current?.Id)
            {
                throw new ReviewRejectedException($"{student.Name} ({student.Identifier}) is already in team {target.Id}.");
            }

            if (target.Members.Count >= MaxSize)
            {
                throw new ReviewRejectedException($"Team {target.Id} already has {target.Members.Count} members; the course allows at most {MaxSize}.");
            }
        }

        if (current is not null)
        {
            await RemoveMemberAsync(current, student.Identifier, by, note, cancellationToken).ConfigureAwait(false);
        }

        if (target is not null)
        {
            target.Members.Add(new TeamMember { TeamId = target.Id, StudentIdentifier = student.Identifier });
            Record(target.Id, student.Identifier, TeamChangeKind.Joined, by, note);
            await RenameAsync(target, cancellationToken).ConfigureAwait(false);
        }
        else if (targetTeamId is not null)
        {
            target = await NewTeamAsync(student.Identifier, by, note, cancellationToken).ConfigureAwait(false);
        }

        await SaveAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} placed {Student} from team {From} into team {To}: {Note}", by.UserName, student.Identifier, current?.Id ?? "(none)", target?.Id ?? "(none)", note);
        return target;
    }

    private void RejectAfterFinalization()
    {
        if (!StudentsMayChangeTeams)
        {
            throw new ReviewRejectedException($"Teams were finalized on {FinalizedBy!.Value.ToString("uuuu'-'MM'-'dd HH':'mm x", CultureInfo.InvariantCulture)}; "
                + "from then on only the instructor changes teams: write to them.");
        }
    }

    private async Task RejectIfInTeamAsync(string studentId, string subject, CancellationToken cancellationToken)
    {
        var teamId = await db.TeamMembers.AsNoTracking().Where(m => m.StudentIdentifier == studentId).Select(m => m.TeamId)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (teamId is not null)
        {
            throw new ReviewRejectedException($"{subject} already in team {teamId}; a student is in at most one team.");
        }
    }

    /// <summary>A new team whose first member is <paramref name="founderId"/>; its id names the founder ("team-dm0001", then "team-dm0001-2"...).</summary>
    private async Task<TeamRecord> NewTeamAsync(string founderId, AppUser by, string note, CancellationToken cancellationToken)
    {
        string id = $"team-{founderId}";
        for (int n = 2; await db.Teams.AnyAsync(t => t.Id == id, cancellationToken).ConfigureAwait(false)
            || await db.Roster.AnyAsync(r => r.Identifier == id, cancellationToken).ConfigureAwait(false); n++)
        {
            id = $"team-{founderId}-{n}";
        }

        var team = new TeamRecord { Id = id, CourseId = course.Tree.Course.Id, CreatedAtUtc = Now(), CreatedByName = by.DisplayName };
        team.Members.Add(new TeamMember { TeamId = id, StudentIdentifier = founderId });
        db.Teams.Add(team);
        Record(id, founderId, TeamChangeKind.Formed, by, note);
        await RenameAsync(team, cancellationToken).ConfigureAwait(false);
        return team;
    }

    /// <summary>
    /// Takes a member out; the last one out disbands the team. A team that has handed in work or been scored keeps its
    /// last member: its submissions would otherwise belong to nobody and the gradebook could not grade them.
    /// </summary>
    private async Task RemoveMemberAsync(TeamRecord team, string studentId, AppUser by, string note, CancellationToken cancellationToken)
    {
        var member = team.Members.Single(m => m.StudentIdentifier == studentId);
        if (team.Members.Count == 1)
        {
            int submissions = await db.Submissions.CountAsync(s => s.SubmitterId == team.Id, cancellationToken).ConfigureAwait(false);
            bool scored = await db.PanelScores.AnyAsync(p => p.SubmitterId == team.Id, cancellationToken).ConfigureAwait(false);
            if (submissions > 0 || scored)
            {
                throw new ReviewRejectedException($"{studentId} is the last member of team {team.Id}, which has "
                    + (submissions > 0 ? $"{submissions} submission(s)" : "presentation scores")
                    + "; a team with graded work cannot be left empty. Move a classmate into it first.");
            }
        }

        team.Members.Remove(member);
        db.TeamMembers.Remove(member);
        Record(team.Id, studentId, TeamChangeKind.Left, by, note);
        if (team.Members.Count == 0)
        {
            Record(team.Id, studentId, TeamChangeKind.Disbanded, by, note);
            db.Teams.Remove(team);
        }
        else
        {
            await RenameAsync(team, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A team's name is its members' names, kept current so staff pages read naturally.</summary>
    private async Task RenameAsync(TeamRecord team, CancellationToken cancellationToken)
    {
        var ids = team.Members.Select(m => m.StudentIdentifier).ToList();
        var names = await db.Roster.AsNoTracking().Where(r => ids.Contains(r.Identifier)).OrderBy(r => r.Identifier).Select(r => r.Name)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        team.Name = string.Join(" & ", names);
    }

    private TeamChange Record(string teamId, string studentId, TeamChangeKind kind, AppUser by, string note)
    {
        var change = new TeamChange { TeamId = teamId, StudentIdentifier = studentId, Kind = kind, ByName = by.DisplayName, AtUtc = Now(), Note = note };
        db.TeamChanges.Add(change);
        return change;
    }

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            // Two requests raced (two invitations accepted at once): the unique index on the member refused the second.
            throw new ReviewRejectedException("Someone changed the teams at the same moment; reload the page and try again.");
        }
    }

    private DateTime Now() => clock.GetCurrentInstant().ToDateTimeUtc();
}
