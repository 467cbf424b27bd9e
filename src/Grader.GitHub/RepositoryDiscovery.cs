using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Grader.Core.Configuration;

namespace Grader.GitHub;

/// <summary>How Classroom named repositories: <c>&lt;prefix&gt;-&lt;login or team slug&gt;</c>, with <c>-1</c>, <c>-2</c>… when the name was taken.</summary>
public static partial class RepositoryNames
{
    public static string For(string prefix, string ownerLogin) => $"{prefix}-{ownerLogin}";

    /// <summary>A team name as it appears in a repository name: lower case, anything but letters, digits, '.', '_' becomes '-'.</summary>
    public static string Slug(string teamName)
    {
        ArgumentNullException.ThrowIfNull(teamName);
        var slug = new StringBuilder(teamName.Length);
        foreach (char c in teamName.Trim().ToLowerInvariant())
        {
            slug.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' ? c : '-');
        }

        return DashRuns().Replace(slug.ToString(), "-").Trim('-');
    }

    [GeneratedRegex("-{2,}")]
    private static partial Regex DashRuns();

    [GeneratedRegex(@"^(?<base>.+)-(?<n>[0-9]{1,4})$")]
    internal static partial Regex NumberedSuffix();
}

/// <summary>Who a repository belongs to: a student (login = GitHub username) or a team (login = team slug).</summary>
/// <param name="SubmitterId">The roster identifier, or the team id: what submissions are recorded under.</param>
public sealed record RepositoryOwner(string SubmitterId, string Login, bool IsTeam)
{
    public static IReadOnlyList<RepositoryOwner> FromRoster(IEnumerable<RosterStudent> students) =>
        students.Select(s => new RepositoryOwner(s.Identifier, s.GitHubUsername, false)).ToList();

    public static IReadOnlyList<RepositoryOwner> FromTeams(IEnumerable<(string TeamId, string TeamName)> teams) =>
        teams.Select(t => new RepositoryOwner(t.TeamId, RepositoryNames.Slug(t.TeamName), true)).ToList();
}

public sealed record OrganisationRepository(string Name, string DefaultBranch, bool IsPrivate = true);

/// <param name="Suffix">Classroom's <c>-N</c> suffix; 0 when the name is exactly prefix-login.</param>
public sealed record RepositoryMatch(RepositoryOwner Owner, OrganisationRepository Repository, int Suffix);

/// <summary>The result of matching an organisation's repositories to the roster, for one assignment prefix.</summary>
/// <param name="Matches">One repository per owner: the exact name when there is one, else the lowest suffix.</param>
/// <param name="Duplicates">Further repositories of an owner that already has one: a TA decides.</param>
/// <param name="UnmatchedRepositories">Repositories with the prefix that belong to nobody on the roster.</param>
/// <param name="OwnersWithoutRepository">Students (or teams) with no repository, including those with no GitHub username.</param>
public sealed record RepositoryDiscovery(
    string Prefix,
    IReadOnlyList<RepositoryMatch> Matches,
    IReadOnlyList<RepositoryMatch> Duplicates,
    IReadOnlyList<OrganisationRepository> UnmatchedRepositories,
    IReadOnlyList<RepositoryOwner> OwnersWithoutRepository)
{
    public static RepositoryDiscovery Match(string prefix, IEnumerable<OrganisationRepository> repositories, IReadOnlyList<RepositoryOwner> owners)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        ArgumentNullException.ThrowIfNull(repositories);
        ArgumentNullException.ThrowIfNull(owners);
        var byLogin = new Dictionary<string, RepositoryOwner>(StringComparer.OrdinalIgnoreCase);
        foreach (var owner in owners.Where(o => o.Login.Length > 0))
        {
            if (!byLogin.TryAdd(owner.Login, owner))
            {
                throw new ArgumentException($"Two owners share the login '{owner.Login}' ({byLogin[owner.Login].SubmitterId} and {owner.SubmitterId}).", nameof(owners));
            }
        }

        string start = prefix + "-";
        var found = new List<RepositoryMatch>();
        var unmatched = new List<OrganisationRepository>();
        foreach (var repository in repositories.Where(r => r.Name.StartsWith(start, StringComparison.OrdinalIgnoreCase)).OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            string rest = repository.Name[start.Length..];
            if (byLogin.TryGetValue(rest, out var exact))
            {
                found.Add(new RepositoryMatch(exact, repository, 0));
            }
            else if (RepositoryNames.NumberedSuffix().Match(rest) is { Success: true } numbered && byLogin.TryGetValue(numbered.Groups["base"].Value, out var suffixed))
            {
                found.Add(new RepositoryMatch(suffixed, repository, int.Parse(numbered.Groups["n"].Value, CultureInfo.InvariantCulture)));
            }
            else
            {
                unmatched.Add(repository);
            }
        }

        var chosen = new List<RepositoryMatch>();
        var duplicates = new List<RepositoryMatch>();
        foreach (var group in found.GroupBy(m => m.Owner))
        {
            var ordered = group.OrderBy(m => m.Suffix).ToList();
            chosen.Add(ordered[0]);
            duplicates.AddRange(ordered.Skip(1));
        }

        var withRepository = chosen.Select(m => m.Owner).ToHashSet();
        return new RepositoryDiscovery(
            prefix,
            chosen.OrderBy(m => m.Owner.SubmitterId, StringComparer.Ordinal).ToList(),
            duplicates,
            unmatched,
            owners.Where(o => !withRepository.Contains(o)).ToList());
    }
}
