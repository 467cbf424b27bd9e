namespace Grader.Core.Configuration;

/// <summary>
/// Reads a GitHub Classroom-style roster CSV: a header <c>identifier,github_username,github_id,name</c>, then one student
/// per line. Fields may be quoted ("Doe, Jane"). A student whose GitHub account is not linked yet has empty
/// <c>github_username</c> and <c>github_id</c>.
/// </summary>
public static class RosterReader
{
    public static readonly IReadOnlyList<string> Header = ["identifier", "github_username", "github_id", "name"];

    /// <param name="relativePath">The path shown in error messages.</param>
    public static IReadOnlyList<RosterStudent> Read(string absolutePath, string relativePath, List<ConfigError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var lines = File.ReadAllLines(absolutePath);
        var students = new List<RosterStudent>();
        if (lines.Length == 0)
        {
            errors.Add(ConfigError.At(new SourceLocation(relativePath, 1, 1), $"the roster is empty; expected the header {string.Join(',', Header)}"));
            return students;
        }

        var header = CsvLine.Split(lines[0].TrimStart('\uFEFF'));
        if (header is null || !header.Select(h => h.Trim().ToLowerInvariant()).SequenceEqual(Header))
        {
            errors.Add(ConfigError.At(new SourceLocation(relativePath, 1, 1), $"the header must be exactly {string.Join(',', Header)}"));
            return students;
        }

        var seenIdentifiers = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var seenLogins = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var index = 1; index < lines.Length; index++)
        {
            var lineNumber = index + 1;
            if (string.IsNullOrWhiteSpace(lines[index]))
            {
                continue;
            }

            var fields = CsvLine.Split(lines[index]);
            if (fields is null || fields.Count != Header.Count)
            {
                errors.Add(new ConfigError(relativePath, lineNumber, 1, "",
                    fields is null ? "a quoted field is not closed" : $"expected {Header.Count} comma-separated fields, found {fields.Count}"));
                continue;
            }

            var student = new RosterStudent(fields[0].Trim(), fields[1].Trim(), fields[2].Trim(), fields[3].Trim());
            if (student.Identifier.Length == 0)
            {
                errors.Add(new ConfigError(relativePath, lineNumber, 1, "identifier", "is empty; every student needs an identifier (the NetID)"));
                continue;
            }

            if (!seenIdentifiers.TryAdd(student.Identifier, lineNumber))
            {
                errors.Add(new ConfigError(relativePath, lineNumber, 1, "identifier",
                    $"\"{student.Identifier}\" is already used on line {seenIdentifiers[student.Identifier]}"));
                continue;
            }

            if (student.GitHubUsername.Length > 0 && !seenLogins.TryAdd(student.GitHubUsername, lineNumber))
            {
                errors.Add(new ConfigError(relativePath, lineNumber, 1, "github_username",
                    $"\"{student.GitHubUsername}\" is already used on line {seenLogins[student.GitHubUsername]}"));
                continue;
            }

            students.Add(student);
        }

        return students;
    }
}
