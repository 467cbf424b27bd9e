using DiffPlex;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace Grader.Web.Workspace;

/// <summary>One line of a diff: '+' added, '-' removed, ' ' the same; line numbers on each side where it has the line.</summary>
public sealed record DiffLine(char Change, int? OldNumber, int? NewNumber, string Text);

/// <summary>The diff of one file (a notebook: all its C# cells) between a base (the starter, or another attempt) and the submission.</summary>
/// <param name="Lines">Changed lines with a little context; long unchanged runs are left out (<see cref="DiffLine"/> with text "…").</param>
public sealed record FileDiff(string Path, string? BasePath, int Added, int Removed, IReadOnlyList<DiffLine> Lines, string? NotShown);

/// <summary>
/// What a student changed (DiffPlex, line by line): per file of the submission, against the file of the same path in
/// the base, or for a notebook against the base's notebook when each has one. Both sides are bounded in lines.
/// </summary>
public static class CodeDiff
{
    public const int MaxLinesPerSide = 5_000;
    private const int Context = 3;

    public static IReadOnlyList<FileDiff> Compare(SubmissionContent baseContent, SubmissionContent content)
    {
        ArgumentNullException.ThrowIfNull(baseContent);
        ArgumentNullException.ThrowIfNull(content);
        var baseTexts = Texts(baseContent);
        var texts = Texts(content);
        var diffs = new List<FileDiff>();
        foreach (var (path, text) in texts)
        {
            string? basePath = baseTexts.ContainsKey(path) ? path : PairedNotebook(path, baseTexts.Keys, texts.Keys);
            diffs.Add(Diff(path, basePath, basePath is null ? "" : baseTexts[basePath], text));
        }

        return diffs;
    }

    /// <summary>A notebook without a namesake in the base pairs with the base's one unpaired notebook (hw1.ipynb vs my_hw1.ipynb).</summary>
    private static string? PairedNotebook(string path, IEnumerable<string> basePaths, IEnumerable<string> paths)
    {
        if (!path.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var unpaired = basePaths.Where(p => p.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase) && !paths.Contains(p)).ToList();
        return unpaired.Count == 1 ? unpaired[0] : null;
    }

    /// <summary>Each file's C#; a notebook's cells one after the other, each under a line naming the cell.</summary>
    private static Dictionary<string, string> Texts(SubmissionContent content) =>
        content.Files.GroupBy(f => f.Path, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => string.Join('\n', g.Select(f => f.Cell is { } cell ? $"// ── cell {cell} ──\n{f.Text}" : f.Text)),
            StringComparer.Ordinal);

    private static FileDiff Diff(string path, string? basePath, string oldText, string newText)
    {
        int oldLines = oldText.Count(c => c == '\n') + 1;
        int newLines = newText.Count(c => c == '\n') + 1;
        if (oldLines > MaxLinesPerSide || newLines > MaxLinesPerSide)
        {
            return new FileDiff(path, basePath, 0, 0, [], $"not compared: more than {MaxLinesPerSide:N0} lines ({oldLines:N0} and {newLines:N0}).");
        }

        var model = new InlineDiffBuilder(new Differ()).BuildDiffModel(oldText, newText, ignoreWhitespace: false);
        var all = new List<DiffLine>();
        int oldNumber = 0, newNumber = 0;
        foreach (var line in model.Lines)
        {
            switch (line.Type)
            {
                case ChangeType.Inserted:
                    all.Add(new DiffLine('+', null, ++newNumber, line.Text));
                    break;
                case ChangeType.Deleted:
                    all.Add(new DiffLine('-', ++oldNumber, null, line.Text));
                    break;
                default:
                    all.Add(new DiffLine(' ', ++oldNumber, ++newNumber, line.Text));
                    break;
            }
        }

        var shown = new List<DiffLine>();
        for (int i = 0; i < all.Count; i++)
        {
            bool nearChange = false;
            for (int j = Math.Max(0, i - Context); j <= Math.Min(all.Count - 1, i + Context) && !nearChange; j++)
            {
                nearChange = all[j].Change != ' ';
            }

            if (nearChange)
            {
                shown.Add(all[i]);
            }
            else if (shown.Count == 0 || shown[^1].Text != "…" || shown[^1].Change != '…')
            {
                shown.Add(new DiffLine('…', null, null, "…"));
            }
        }

        return new FileDiff(path, basePath, all.Count(l => l.Change == '+'), all.Count(l => l.Change == '-'), shown, null);
    }
}
