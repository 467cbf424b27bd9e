using System.IO.Compression;
using System.Text.Json;

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
    /// from 1). Cells marked as another language (metadata or a <c>#!fsharp</c>-style first line) are skipped.</summary>
    /// <exception cref="InvalidDataException">The text is not notebook JSON; the message names the file and line.</exception>
    public static IReadOnlyList<SourceFile> NotebookCells(string name, string json)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{name}: line {(error.LineNumber ?? 0) + 1}: not valid notebook JSON ({error.Message})", error);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("cells", out var cells)
                || cells.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{name}: field 'cells': missing or not an array; not a Jupyter notebook");
            }

            var sources = new List<SourceFile>();
            int cellNumber = 0;
            foreach (var cell in cells.EnumerateArray())
            {
                cellNumber++;
                if (cell.ValueKind != JsonValueKind.Object
                    || !cell.TryGetProperty("cell_type", out var type)
                    || type.ValueKind != JsonValueKind.String
                    || type.GetString() != "code"
                    || !IsCSharpCell(cell))
                {
                    continue;
                }

                string text = CellSource(cell, name, cellNumber);
                if (text.StartsWith("#!", StringComparison.Ordinal))
                {
                    string magic = text.Split('\n', 2)[0].Trim();
                    if (magic is not ("#!csharp" or "#!c#"))
                    {
                        continue;
                    }

                    // Keep the line numbers of the cell: blank out the magic line rather than removing it.
                    text = text.Length > magic.Length ? "\n" + text.Split('\n', 2)[1] : string.Empty;
                }

                if (!string.IsNullOrWhiteSpace(text))
                {
                    sources.Add(new SourceFile($"{name} [cell {cellNumber}]", text));
                }
            }

            return sources;
        }
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

    private static bool IsCSharpCell(JsonElement cell)
    {
        if (!cell.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object)
        {
            return true;
        }

        string? language =
            metadata.TryGetProperty("dotnet_interactive", out var dotnet) && dotnet.ValueKind == JsonValueKind.Object && dotnet.TryGetProperty("language", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString()
            : metadata.TryGetProperty("polyglot_notebook", out var polyglot) && polyglot.ValueKind == JsonValueKind.Object && polyglot.TryGetProperty("kernelName", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()
            : null;
        return language is null || language.Equals("csharp", StringComparison.OrdinalIgnoreCase) || language.Equals("c#", StringComparison.OrdinalIgnoreCase);
    }

    private static string CellSource(JsonElement cell, string name, int cellNumber)
    {
        if (!cell.TryGetProperty("source", out var source))
        {
            return string.Empty;
        }

        return source.ValueKind switch
        {
            JsonValueKind.String => source.GetString()!,
            JsonValueKind.Array => string.Concat(source.EnumerateArray().Select(part => part.ValueKind == JsonValueKind.String
                ? part.GetString()
                : throw new InvalidDataException($"{name}: cell {cellNumber}: field 'source': expected strings, found {part.ValueKind}"))),
            _ => throw new InvalidDataException($"{name}: cell {cellNumber}: field 'source': expected a string or an array of strings, found {source.ValueKind}"),
        };
    }
}
