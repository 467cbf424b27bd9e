namespace Grader.Reference.Tests.Support;

/// <summary>A model solution (or starter) read from <c>assignments/&lt;id&gt;/solution/*.cs</c>, and seeded-bug variants of it.</summary>
internal sealed class SolutionSources
{
    private readonly IReadOnlyDictionary<string, string> files;

    private SolutionSources(IReadOnlyDictionary<string, string> files) => this.files = files;

    public static SolutionSources Read(string assignmentId, string folderName = "solution")
    {
        var folder = Repository.PathOf("assignments", assignmentId, folderName);
        var files = Directory.GetFiles(folder, "*.cs").Order(StringComparer.Ordinal)
            .ToDictionary(path => Path.GetFileName(path), File.ReadAllText, StringComparer.Ordinal);
        return files.Count > 0 ? new SolutionSources(files) : throw new FileNotFoundException($"no .cs files in {folder}");
    }

    public IReadOnlyDictionary<string, string> Files => files;

    /// <summary>
    /// The solution with one edit in one file. The text to replace must occur exactly once, so a change to the
    /// solution that moves the line makes the variant fail loudly instead of silently testing nothing.
    /// </summary>
    public SolutionSources WithBug(string fileName, string original, string replacement)
    {
        var source = files[fileName];
        var first = source.IndexOf(original, StringComparison.Ordinal);
        if (first < 0 || source.IndexOf(original, first + 1, StringComparison.Ordinal) >= 0)
        {
            throw new InvalidOperationException($"'{original}' must occur exactly once in {fileName}");
        }

        var edited = new Dictionary<string, string>(files, StringComparer.Ordinal)
        {
            [fileName] = string.Concat(source.AsSpan(0, first), replacement, source.AsSpan(first + original.Length)),
        };
        return new SolutionSources(edited);
    }
}
