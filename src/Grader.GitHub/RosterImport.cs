using System.Text;
using Grader.Core.Configuration;

namespace Grader.GitHub;

/// <summary>A team found in an imported roster (<c>group_name</c>), with the identifiers of its members and the lines they are on.</summary>
public sealed record ImportedTeam(string Name, string Slug, IReadOnlyList<string> MemberIdentifiers, IReadOnlyList<int> MemberLines);

public sealed record ImportedRoster(IReadOnlyList<RosterStudent> Students, IReadOnlyList<ImportedTeam> Teams);

/// <summary>One problem in a roster file, with where it is.</summary>
public sealed record RosterProblem(string File, int Line, string Field, string Message)
{
    public override string ToString() => Field.Length == 0 ? $"{File}, line {Line}: {Message}" : $"{File}, line {Line}, {Field}: {Message}";
}

public sealed class RosterImportException(IReadOnlyList<RosterProblem> problems)
    : FormatException(string.Join(Environment.NewLine, problems.Select(p => p.ToString())))
{
    public IReadOnlyList<RosterProblem> Problems { get; } = problems;
}

/// <summary>
/// Reads a GitHub Classroom roster export (<c>identifier,github_username,github_id,name</c>, optionally
/// <c>group_name</c> for team assignments) or Grader's own <c>roster.csv</c> (the same four columns). Columns are found by
/// header name in any order; extra columns are ignored. Every problem is reported, not just the first.
/// </summary>
public static class RosterImport
{
    private static readonly string[] RequiredColumns = ["identifier", "github_username", "github_id", "name"];

    public static ImportedRoster ReadFile(string path) => Parse(File.ReadAllText(path), path);

    /// <param name="fileName">Shown in error messages.</param>
    public static ImportedRoster Parse(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.TrimStart('\uFEFF').Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var problems = new List<RosterProblem>();
        var header = lines.Count == 0 ? null : CsvLine.Split(lines[0]);
        if (header is null || lines[0].Trim().Length == 0)
        {
            throw new RosterImportException([new RosterProblem(fileName, 1, "", $"the header is missing; expected {string.Join(',', RequiredColumns)}[,group_name]")]);
        }

        var columns = header.Select((h, i) => (Name: h.Trim().ToLowerInvariant(), Index: i)).GroupBy(c => c.Name).ToDictionary(g => g.Key, g => g.First().Index);
        var missing = RequiredColumns.Where(c => !columns.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            throw new RosterImportException([new RosterProblem(fileName, 1, "", $"the header lacks the column(s) {string.Join(", ", missing)}")]);
        }

        int? groupColumn = columns.TryGetValue("group_name", out int g) ? g : null;
        var students = new List<RosterStudent>();
        var teams = new Dictionary<string, (string Name, List<string> Members, List<int> Lines)>(StringComparer.OrdinalIgnoreCase);
        var identifiers = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var logins = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var index = 1; index < lines.Count; index++)
        {
            int line = index + 1;
            if (string.IsNullOrWhiteSpace(lines[index]))
            {
                continue;
            }

            var fields = CsvLine.Split(lines[index]);
            if (fields is null)
            {
                problems.Add(new RosterProblem(fileName, line, "", "a quoted field is not closed"));
                continue;
            }

            if (fields.Count < header.Count)
            {
                problems.Add(new RosterProblem(fileName, line, "", $"expected {header.Count} comma-separated fields, found {fields.Count}"));
                continue;
            }

            string Field(string name) => fields[columns[name]].Trim();
            var student = new RosterStudent(Field("identifier"), Field("github_username"), Field("github_id"), Field("name"));
            if (student.Identifier.Length == 0)
            {
                problems.Add(new RosterProblem(fileName, line, "identifier", "is empty; every student needs an identifier (the NetID)"));
                continue;
            }

            if (!identifiers.TryAdd(student.Identifier, line))
            {
                problems.Add(new RosterProblem(fileName, line, "identifier", $"\"{student.Identifier}\" is already used on line {identifiers[student.Identifier]}"));
                continue;
            }

            if (student.GitHubUsername.Length > 0 && !logins.TryAdd(student.GitHubUsername, line))
            {
                problems.Add(new RosterProblem(fileName, line, "github_username", $"\"{student.GitHubUsername}\" is already used on line {logins[student.GitHubUsername]}"));
                continue;
            }

            if (student.GitHubId.Length > 0 && !student.GitHubId.All(char.IsAsciiDigit))
            {
                problems.Add(new RosterProblem(fileName, line, "github_id", $"\"{student.GitHubId}\" is not a number"));
                continue;
            }

            students.Add(student);
            if (groupColumn is { } column && fields[column].Trim() is { Length: > 0 } group)
            {
                if (!teams.TryGetValue(group, out var team))
                {
                    teams[group] = team = (group, [], []);
                }

                team.Members.Add(student.Identifier);
                team.Lines.Add(line);
            }
        }

        if (problems.Count > 0)
        {
            throw new RosterImportException(problems);
        }

        return new ImportedRoster(students, teams.Values.Select(t => new ImportedTeam(t.Name, RepositoryNames.Slug(t.Name), t.Members, t.Lines)).ToList());
    }
}
