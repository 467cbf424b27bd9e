using System.Globalization;
using System.IO.Compression;
using Grader.Submissions.Notebooks;
using Grader.Submissions.Sources;

namespace Grader.Similarity;

/// <summary>A submission (or one of its files) that could not be read; the others are still compared.</summary>
public sealed record ReadProblem(string Path, string Message);

/// <summary>The submissions found in a folder, and what could not be read.</summary>
public sealed record SubmissionBatch(IReadOnlyList<SubmissionSource> Submissions, IReadOnlyList<ReadProblem> Problems);

/// <summary>
/// Collects the C# of submissions on disk: <c>.cs</c> and <c>.csx</c> files, the C# code cells of <c>.ipynb</c>
/// notebooks, also inside <c>.zip</c> uploads (read in memory, never extracted). Build output and hidden folders are skipped.
/// </summary>
public static class SubmissionReader
{
    /// <summary>Per file: larger sources are not homework and are skipped with a problem.</summary>
    public const long MaxSourceBytes = 4 * 1024 * 1024;

    private static readonly string[] SourceExtensions = [".cs", ".csx", ".ipynb"];
    private static readonly string[] SkippedFolders = ["bin", "obj", "node_modules"];

    /// <summary>Every entry of <paramref name="folder"/> (a subfolder or a file) is one submission, its name the id
    /// (prefixed with <paramref name="idPrefix"/>, e.g. the archive's year). Entries without C# are reported as problems.</summary>
    public static SubmissionBatch ReadFolder(string folder, bool isArchived = false, string idPrefix = "")
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{folder}: no such folder of submissions");
        }

        var submissions = new List<SubmissionSource>();
        var problems = new List<ReadProblem>();
        foreach (string entry in Directory.EnumerateFileSystemEntries(folder).Where(p => !Path.GetFileName(p).StartsWith('.')).Order(StringComparer.Ordinal))
        {
            bool isFolder = Directory.Exists(entry);
            if (!isFolder && !IsSourceFile(entry) && !entry.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var files = ReadSources(entry, problems);
            if (files.Count == 0)
            {
                problems.Add(new ReadProblem(entry, "no C# found (.cs, .csx or C# notebook cells); not compared"));
                continue;
            }

            string name = isFolder ? Path.GetFileName(Path.TrimEndingDirectorySeparator(entry)) : Path.GetFileNameWithoutExtension(entry);
            submissions.Add(new SubmissionSource(idPrefix + name, files, isArchived));
        }

        return new SubmissionBatch(submissions, problems);
    }

    /// <summary>The C# sources of one submission: a folder, a zip, or a single .cs/.csx/.ipynb file. Paths in the
    /// result are relative to the folder or zip. Unreadable files are added to <paramref name="problems"/>.</summary>
    public static IReadOnlyList<SourceFile> ReadSources(string path, ICollection<ReadProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(problems);
        var sources = new List<SourceFile>();
        if (Directory.Exists(path))
        {
            foreach (string file in EnumerateSourceFiles(path))
            {
                string relative = Path.GetRelativePath(path, file).Replace('\\', '/');
                AddFile(relative, file, () => new FileInfo(file).Length, () => File.ReadAllText(file), sources, problems);
            }
        }
        else if (path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            ReadZip(path, sources, problems);
        }
        else if (File.Exists(path))
        {
            AddFile(Path.GetFileName(path), path, () => new FileInfo(path).Length, () => File.ReadAllText(path), sources, problems);
        }
        else
        {
            problems.Add(new ReadProblem(path, "no such file or folder"));
        }

        return sources;
    }

    /// <summary>The C# code cells of a notebook, one source per cell named <c>{name} [cell N]</c> (N counts all cells
    /// from 1), read exactly as the grader reads them for compiling (<see cref="CSharpSourceSet.CSharpCells"/>): cells of
    /// other kernels are skipped, and magics and directives blanked so that line numbers stay the cell's.</summary>
    /// <exception cref="InvalidDataException">The text is not a notebook; the message names the file and where.</exception>
    public static IReadOnlyList<SourceFile> NotebookCells(string name, string json)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(json);
        NotebookDocument notebook;
        try
        {
            notebook = NotebookDocument.Parse(json, name);
        }
        catch (NotebookFormatException error)
        {
            throw new InvalidDataException(error.Message, error);
        }

        return [.. CSharpSourceSet.CSharpCells(notebook)
            .Where(cell => !string.IsNullOrWhiteSpace(cell.Text))
            .Select(cell => new SourceFile(string.Create(CultureInfo.InvariantCulture, $"{name} [cell {cell.CellNumber}]"), cell.Text))];
    }

    private static bool IsSourceFile(string path) => SourceExtensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<string> EnumerateSourceFiles(string folder)
    {
        var pending = new Stack<string>([folder]);
        var files = new List<string>();
        while (pending.Count > 0)
        {
            string current = pending.Pop();
            foreach (string sub in Directory.EnumerateDirectories(current))
            {
                string name = Path.GetFileName(sub);
                // Links could lead out of the submission or loop; build output is not the student's code.
                if (!name.StartsWith('.') && !SkippedFolders.Contains(name, StringComparer.OrdinalIgnoreCase) && new DirectoryInfo(sub).LinkTarget is null)
                {
                    pending.Push(sub);
                }
            }

            files.AddRange(Directory.EnumerateFiles(current).Where(f => IsSourceFile(f) && !Path.GetFileName(f).StartsWith('.') && new FileInfo(f).LinkTarget is null));
        }

        return files.Order(StringComparer.Ordinal);
    }

    private static void ReadZip(string zipPath, List<SourceFile> sources, ICollection<ReadProblem> problems)
    {
        try
        {
            using var archive = ZipFile.OpenRead(zipPath);
            foreach (var entry in archive.Entries.Where(e => IsSourceFile(e.FullName) && !IsSkippedEntry(e.FullName)).OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                string label = $"{Path.GetFileName(zipPath)}!{entry.FullName}";
                AddFile(entry.FullName, label, () => entry.Length, () =>
                {
                    using var reader = new StreamReader(entry.Open());
                    return reader.ReadToEnd();
                }, sources, problems);
            }
        }
        catch (InvalidDataException error)
        {
            problems.Add(new ReadProblem(zipPath, $"not a readable zip archive: {error.Message}"));
        }
    }

    private static bool IsSkippedEntry(string entryName)
    {
        var parts = entryName.Replace('\\', '/').Split('/');
        return parts.Any(p => p.StartsWith('.') || SkippedFolders.Contains(p, StringComparer.OrdinalIgnoreCase) || p == "__MACOSX");
    }

    private static void AddFile(string name, string label, Func<long> length, Func<string> read, List<SourceFile> sources, ICollection<ReadProblem> problems)
    {
        try
        {
            if (length() > MaxSourceBytes)
            {
                problems.Add(new ReadProblem(label, $"larger than {MaxSourceBytes / (1024 * 1024)} MiB; skipped"));
                return;
            }

            string text = read();
            if (name.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase))
            {
                sources.AddRange(NotebookCells(name, text));
            }
            else
            {
                sources.Add(new SourceFile(name, text));
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            // An InvalidDataException (a broken notebook) already names the file and line.
            problems.Add(new ReadProblem(label, error is InvalidDataException ? error.Message : $"cannot be read: {error.Message}"));
        }
    }
}
