using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Grader.Core.Configuration;

namespace Grader.Data.Course;

/// <summary>One difference between the loaded course and the files: what changed, and its value before and after.</summary>
/// <param name="Kind">"assignment added", "assignment removed", "due date", "weight", "rubric item added", "rubric item removed", "rubric item points".</param>
/// <param name="Subject">The assignment id, or <c>assignment/item</c> for a rubric item.</param>
public sealed record CourseChange(string Kind, string Subject, string? Before, string? After);

/// <summary>
/// What reloading assignments/ and rubrics/ would do: the loader's errors (then nothing may be applied), or the new tree
/// and its differences. <see cref="Fingerprint"/> names the files' content, so a confirmation applies exactly what was shown.
/// </summary>
public sealed record CoursePreview(IReadOnlyList<ConfigError> Errors, CourseTree? Tree, IReadOnlyList<CourseChange> Changes, string Fingerprint)
{
    public bool IsValid => Errors.Count == 0 && Tree is not null;
}

/// <summary>The differences that matter to grading between two loaded courses.</summary>
public static class CourseDiff
{
    public static IReadOnlyList<CourseChange> Between(CourseTree current, CourseTree next)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(next);
        var changes = new List<CourseChange>();
        var before = current.Assignments.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var after = next.Assignments.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var weightsBefore = current.Course.Components.ToDictionary(c => c.AssignmentId, c => c.Weight, StringComparer.Ordinal);
        var weightsAfter = next.Course.Components.ToDictionary(c => c.AssignmentId, c => c.Weight, StringComparer.Ordinal);

        foreach (var id in after.Keys.Where(id => !before.ContainsKey(id)))
        {
            changes.Add(new CourseChange("assignment added", id, null, $"{after[id].Title}, due {Due(after[id])}"));
        }

        foreach (var id in before.Keys.Where(id => !after.ContainsKey(id)))
        {
            changes.Add(new CourseChange("assignment removed", id, $"{before[id].Title}, due {Due(before[id])}", null));
        }

        foreach (var id in before.Keys.Where(after.ContainsKey))
        {
            if (before[id].Due != after[id].Due)
            {
                changes.Add(new CourseChange("due date", id, Due(before[id]), Due(after[id])));
            }
        }

        foreach (var id in weightsBefore.Keys.Union(weightsAfter.Keys).Order(StringComparer.Ordinal))
        {
            decimal? was = weightsBefore.TryGetValue(id, out var w1) ? w1 : null;
            decimal? now = weightsAfter.TryGetValue(id, out var w2) ? w2 : null;
            if (was != now)
            {
                changes.Add(new CourseChange("weight", id, Percent(was), Percent(now)));
            }
        }

        foreach (var rubric in next.Rubrics.Where(r => before.ContainsKey(r.AssignmentId)))
        {
            var old = current.Rubrics.FirstOrDefault(r => r.AssignmentId == rubric.AssignmentId);
            var oldItems = (old?.Items ?? []).ToDictionary(i => i.Id, StringComparer.Ordinal);
            var newItems = rubric.Items.ToDictionary(i => i.Id, StringComparer.Ordinal);
            foreach (var item in rubric.Items.Where(i => !oldItems.ContainsKey(i.Id)))
            {
                changes.Add(new CourseChange("rubric item added", $"{rubric.AssignmentId}/{item.Id}", null, Points(item.Points)));
            }

            foreach (var item in (old?.Items ?? []).Where(i => !newItems.ContainsKey(i.Id)))
            {
                changes.Add(new CourseChange("rubric item removed", $"{rubric.AssignmentId}/{item.Id}", Points(item.Points), null));
            }

            foreach (var item in rubric.Items.Where(i => oldItems.TryGetValue(i.Id, out var o) && o.Points != i.Points))
            {
                changes.Add(new CourseChange("rubric item points", $"{rubric.AssignmentId}/{item.Id}", Points(oldItems[item.Id].Points), Points(item.Points)));
            }
        }

        return changes;
    }

    private static string Due(Assignment assignment) => assignment.Due.ToString("uuuu-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string? Percent(decimal? weight) => weight is { } w ? string.Create(CultureInfo.InvariantCulture, $"{w:0.##}%") : null;

    private static string Points(decimal points) => string.Create(CultureInfo.InvariantCulture, $"{points:0.##} points");
}

/// <summary>Reads assignments/ and rubrics/ again; see <see cref="CourseCatalog.PreviewReload"/>.</summary>
internal static class CourseFiles
{
    /// <summary>
    /// SHA-256 over what the course says about grading one assignment: its assignment.yaml and its rubric file. Part of
    /// the key under which reports are reused (with the content hash and the grader version, which covers the checks'
    /// code), so a rubric edited and reloaded is graded again instead of served from an old report.
    /// </summary>
    public static string InputsOf(string root, Assignment assignment)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string relative in new[] { $"assignments/{assignment.Id}/assignment.yaml", assignment.RubricPath })
        {
            string path = Path.Combine(root, relative);
            hash.AppendData(Encoding.UTF8.GetBytes(relative + "\n"));
            hash.AppendData(File.Exists(path) ? File.ReadAllBytes(path) : []);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>SHA-256 over the relative path and bytes of every course file the loader reads (YAML and the roster CSV).</summary>
    public static string Fingerprint(string root)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string folder in new[] { "assignments", "rubrics" }.Select(f => Path.Combine(root, f)).Where(Directory.Exists))
        {
            var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => Path.GetExtension(f) is ".yaml" or ".yml" or ".csv")
                .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
                .Order(StringComparer.Ordinal);
            foreach (string relative in files)
            {
                hash.AppendData(Encoding.UTF8.GetBytes(relative + "\n"));
                hash.AppendData(File.ReadAllBytes(Path.Combine(root, relative)));
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
