using Grader.Core.Configuration;
using Grader.Data;
using Grader.Data.Course;
using Grader.GitHub;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Grader.Web.GitHub;

/// <param name="Added">Roster entries that were not in the database.</param>
/// <param name="Updated">Existing entries whose GitHub username, id or name changed.</param>
/// <param name="Teams">The teams saved from <c>group_name</c>, as "id: members".</param>
/// <param name="NotInCourseRoster">Identifiers that <c>roster.csv</c> lacks: matched to repositories, but with no gradebook row until added there.</param>
public sealed record RosterImportSummary(int Added, int Updated, int Unchanged, IReadOnlyList<string> Teams, IReadOnlyList<string> NotInCourseRoster);

/// <summary>
/// The roster as GitHub needs it: a Classroom roster export (or Grader's own roster.csv) imported into the database's
/// roster (GitHub usernames) and teams (<c>group_name</c>), and the owners whose repositories an assignment expects.
/// </summary>
public sealed class GitHubRoster(GraderDbContext db, CourseCatalog course, IClock clock)
{
    /// <summary>
    /// Imports <paramref name="csv"/>: all or nothing. A malformed file is a <see cref="RosterImportException"/> with
    /// every problem and its line; a student who is already in another team is one more problem.
    /// </summary>
    public async Task<RosterImportSummary> ImportAsync(string csv, string fileName, string importedByName, CancellationToken cancellationToken)
    {
        var imported = RosterImport.Parse(csv, fileName);
        string courseId = course.Tree.Course.Id;
        var existing = await db.Roster.Where(r => r.CourseId == courseId).ToDictionaryAsync(r => r.Identifier, StringComparer.OrdinalIgnoreCase, cancellationToken).ConfigureAwait(false);
        int added = 0, updated = 0, unchanged = 0;
        foreach (var student in imported.Students)
        {
            if (!existing.TryGetValue(student.Identifier, out var row))
            {
                db.Roster.Add(new RosterEntry { Identifier = student.Identifier, CourseId = courseId, GitHubUsername = student.GitHubUsername, GitHubId = student.GitHubId, Name = student.Name });
                added++;
            }
            else if (row.GitHubUsername != student.GitHubUsername || row.GitHubId != student.GitHubId || row.Name != student.Name)
            {
                (row.GitHubUsername, row.GitHubId, row.Name) = (student.GitHubUsername, student.GitHubId, student.Name);
                updated++;
            }
            else
            {
                unchanged++;
            }
        }

        var teams = await SaveTeamsAsync(imported.Teams, courseId, fileName, importedByName, cancellationToken).ConfigureAwait(false);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var inCourse = course.Tree.Roster.Select(s => s.Identifier).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return new RosterImportSummary(added, updated, unchanged, teams, imported.Students.Select(s => s.Identifier).Where(id => !inCourse.Contains(id)).ToList());
    }

    /// <summary>A team is keyed by its slug; its members become exactly the imported ones.</summary>
    private async Task<IReadOnlyList<string>> SaveTeamsAsync(IReadOnlyList<ImportedTeam> teams, string courseId, string fileName, string importedByName, CancellationToken cancellationToken)
    {
        var saved = new List<string>();
        if (teams.Count == 0)
        {
            return saved;
        }

        var members = await db.Set<TeamMember>().ToListAsync(cancellationToken).ConfigureAwait(false);
        var problems = new List<RosterProblem>();
        foreach (var team in teams)
        {
            for (var i = 0; i < team.MemberIdentifiers.Count; i++)
            {
                string id = team.MemberIdentifiers[i];
                if (members.FirstOrDefault(m => string.Equals(m.StudentIdentifier, id, StringComparison.OrdinalIgnoreCase) && m.TeamId != team.Slug) is { } clash)
                {
                    problems.Add(new RosterProblem(fileName, team.MemberLines[i], "group_name", $"{id} is already in team {clash.TeamId}; take them out of it before moving them to \"{team.Name}\""));
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new RosterImportException(problems);
        }

        foreach (var team in teams)
        {
            var record = await db.Teams.Include(t => t.Members).SingleOrDefaultAsync(t => t.Id == team.Slug, cancellationToken).ConfigureAwait(false);
            if (record is null)
            {
                record = new TeamRecord { Id = team.Slug, CourseId = courseId, Name = team.Name, CreatedAtUtc = clock.GetCurrentInstant().ToDateTimeUtc(), CreatedByName = importedByName };
                db.Teams.Add(record);
            }

            record.Name = team.Name;
            record.Members.RemoveAll(m => !team.MemberIdentifiers.Contains(m.StudentIdentifier, StringComparer.OrdinalIgnoreCase));
            foreach (var id in team.MemberIdentifiers.Where(id => !record.Members.Any(m => string.Equals(m.StudentIdentifier, id, StringComparison.OrdinalIgnoreCase))))
            {
                record.Members.Add(new TeamMember { TeamId = record.Id, StudentIdentifier = id });
            }

            saved.Add($"{record.Id}: {string.Join(", ", team.MemberIdentifiers)}");
        }

        return saved;
    }

    /// <summary>Whose repositories <paramref name="assignment"/> expects: each student (GitHub username from the database roster), or each team (its slug).</summary>
    public async Task<IReadOnlyList<RepositoryOwner>> OwnersAsync(Assignment assignment, CancellationToken cancellationToken) =>
        (await TargetsAsync(assignment, cancellationToken).ConfigureAwait(false)).Select(t => t.Owner).ToList();

    /// <summary>What provisioning makes for <paramref name="assignment"/>: a repository per student, or per team with its members' access.</summary>
    public async Task<IReadOnlyList<ProvisioningTarget>> TargetsAsync(Assignment assignment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        string courseId = course.Tree.Course.Id;
        var roster = await db.Roster.AsNoTracking().Where(r => r.CourseId == courseId).OrderBy(r => r.Identifier).ToListAsync(cancellationToken).ConfigureAwait(false);
        var students = roster.Select(r => new RosterStudent(r.Identifier, r.GitHubUsername, r.GitHubId, r.Name)).ToList();
        if (assignment.Participation == Participation.Individual)
        {
            return ProvisioningTarget.ForStudents(students);
        }

        var byId = students.ToDictionary(s => s.Identifier, StringComparer.OrdinalIgnoreCase);
        var teams = await db.Teams.AsNoTracking().Include(t => t.Members).OrderBy(t => t.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        return ProvisioningTarget.ForTeams(teams.Where(t => t.Members.Count > 0).Select(t => (t.Id, t.Name.Length > 0 ? t.Name : t.Id,
            (IReadOnlyList<RosterStudent>)t.Members.Select(m => byId.GetValueOrDefault(m.StudentIdentifier) ?? new RosterStudent(m.StudentIdentifier, "", "", m.StudentIdentifier)).ToList())));
    }
}
