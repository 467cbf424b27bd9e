using System.Globalization;
using System.Text;
using Grader.Submissions.Intake;
using Grader.Submissions.Notebooks;

namespace Grader.Submissions.Sources;

/// <summary>
/// Everything the compiler will get from an extracted submission: its .cs files, .csx scripts and the C# cells of its
/// notebooks, each with an exact map back to the student's file, cell and line, and the notes for the report.
/// Deciding what compiles and what runs (declarations versus top-level statements) is the runner's job.
/// </summary>
public sealed class CSharpSourceSet
{
    private readonly RefusalReason? _firstRefusal;

    private CSharpSourceSet(IReadOnlyList<CSharpCodeUnit> units, IReadOnlyList<SourceNote> notes, IReadOnlyList<NotebookDocument> notebooks,
        IReadOnlyList<MissingPackage> missingPackages, RefusalReason? firstRefusal)
    {
        Units = units;
        Notes = notes;
        Notebooks = notebooks;
        MissingPackages = missingPackages;
        _firstRefusal = firstRefusal;
    }

    /// <summary>The code, ordered by path.</summary>
    public IReadOnlyList<CSharpCodeUnit> Units { get; }

    public IReadOnlyList<SourceNote> Notes { get; }

    /// <summary>Every notebook that parsed, C# or not, for the report's output facts and for rendering.</summary>
    public IReadOnlyList<NotebookDocument> Notebooks { get; }

    /// <summary>Every <c>#r "nuget: ..."</c> of a package the grader does not provide, where it was asked for.</summary>
    public IReadOnlyList<MissingPackage> MissingPackages { get; }

    /// <summary>True when some part was refused (a binary .cs, a Python notebook, an unreadable notebook).</summary>
    public bool HasErrors => Notes.Any(note => note.Severity == NoteSeverity.Error);

    /// <summary>Throws when there is no C# at all to compile, with the refusals that explain why.</summary>
    public void ThrowIfNothingToCompile(string submissionName)
    {
        if (Units.Count > 0)
        {
            return;
        }
        var errors = Notes.Where(note => note.Severity == NoteSeverity.Error).Select(note => note.ToString()).ToList();
        var reason = _firstRefusal ?? RefusalReason.NotCSharpSource;
        var detail = errors.Count > 0
            ? string.Join("; ", errors)
            : "it holds no C# code (.cs or .csx files, or a C# notebook)";
        throw new SubmissionRefusedException(reason, submissionName, $"{submissionName}: {detail}");
    }

    /// <summary>
    /// The C# of each of a notebook's code cells exactly as the grader compiles it (other kernels' lines, magics and
    /// script directives blanked, so line numbers stay the cell's), for every reader of notebooks: grading, similarity,
    /// the web app. Cells without C# are left out.
    /// </summary>
    public static IReadOnlyList<(int CellNumber, string Text)> CSharpCells(NotebookDocument notebook, SourceSetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(notebook);
        var builder = new Builder(options ?? SourceSetOptions.Default);
        return [.. builder.CSharpCells(notebook).Select(cell => (cell.Cell.Number, string.Join('\n', cell.Lines)))];
    }

    public static CSharpSourceSet FromSubmission(ExtractedSubmission submission, SourceSetOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(submission);
        return FromFolder(submission.Folder, options);
    }

    /// <summary>Collects the C# of every .cs, .csx and .ipynb file under <paramref name="folder"/>.</summary>
    public static CSharpSourceSet FromFolder(string folder, SourceSetOptions? options = null)
    {
        options ??= SourceSetOptions.Default;
        var root = Path.GetFullPath(folder);
        var builder = new Builder(options);
        var ignored = new SortedSet<string>(StringComparer.Ordinal);
        // Links are skipped: an extracted submission has none, and a folder handed in directly must not lead elsewhere.
        var enumeration = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = false };
        var files = Directory.EnumerateFiles(root, "*", enumeration)
            .Select(path => Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/'))
            .OrderBy(path => path, StringComparer.Ordinal);
        foreach (var relativePath in files)
        {
            var extension = Path.GetExtension(relativePath).ToLowerInvariant();
            if (extension is not (".cs" or ".csx" or ".ipynb"))
            {
                continue;
            }
            var ignoredFolder = relativePath.Split('/')[..^1].FirstOrDefault(part => options.IgnoredFolders.Contains(part, StringComparer.OrdinalIgnoreCase));
            if (ignoredFolder is not null)
            {
                ignored.Add(ignoredFolder + "/");
                continue;
            }
            var fullPath = Path.Combine(root, relativePath);
            switch (extension)
            {
                case ".ipynb":
                    builder.AddNotebook(fullPath, relativePath);
                    break;
                case ".csx":
                    builder.AddSourceFile(fullPath, relativePath, CodeUnitKind.Script);
                    break;
                default:
                    builder.AddSourceFile(fullPath, relativePath, CodeUnitKind.SourceFile);
                    break;
            }
        }
        if (ignored.Count > 0)
        {
            builder.Note(NoteSeverity.Info, $"code under {string.Join(", ", ignored)} was not read (build output, autosaves or tool state)");
        }
        return builder.Build();
    }

    private sealed class Builder(SourceSetOptions options)
    {
        private readonly List<CSharpCodeUnit> _units = [];
        private readonly List<SourceNote> _notes = [];
        private readonly List<NotebookDocument> _notebooks = [];
        private readonly List<MissingPackage> _missingPackages = [];
        private RefusalReason? _firstRefusal;

        public void Note(NoteSeverity severity, string message, SourceOrigin? where = null) =>
            _notes.Add(new SourceNote(severity, message, where));

        /// <summary>A part of the submission that cannot be used: an error note, and the reason if it is the first.</summary>
        private void Refuse(RefusalReason reason, string message)
        {
            Note(NoteSeverity.Error, message);
            _firstRefusal ??= reason;
        }

        public CSharpSourceSet Build() => new(_units, _notes, _notebooks, _missingPackages, _firstRefusal);

        /// <summary>Notes a script directive and blanks its line; remembers a package the grader does not provide.</summary>
        private void RemoveDirective((NoteSeverity Severity, string Message, string? MissingPackage) directive, SourceOrigin where, string[] lines, int index)
        {
            Note(directive.Severity, directive.Message, where);
            if (directive.MissingPackage is { } package)
            {
                _missingPackages.Add(new MissingPackage(package, where));
            }

            lines[index] = "";
        }

        public void AddSourceFile(string fullPath, string relativePath, CodeUnitKind kind)
        {
            var text = ReadText(fullPath, relativePath);
            if (text is null)
            {
                return;
            }
            var lines = SplitLines(text, dropTrailingEmptyLine: false);
            if (kind == CodeUnitKind.Script)
            {
                for (var index = 0; index < lines.Length; index++)
                {
                    var where = new SourceOrigin(relativePath, null, index + 1);
                    if (index == 0 && lines[0].StartsWith("#!", StringComparison.Ordinal))
                    {
                        Note(NoteSeverity.Info, "the '#!' interpreter line was removed", where);
                        lines[0] = "";
                    }
                    else if (DirectiveLines.Classify(lines[index], options) is { } directive)
                    {
                        RemoveDirective(directive, where, lines, index);
                    }
                }
            }
            _units.Add(new CSharpCodeUnit(relativePath, kind, string.Join('\n', lines), lines.Length,
                [new CodeSegment(1, lines.Length, relativePath, null, 1)]));
        }

        public void AddNotebook(string fullPath, string relativePath)
        {
            NotebookDocument notebook;
            try
            {
                notebook = NotebookDocument.Load(fullPath, relativePath, options.MaxNotebookBytes);
            }
            catch (NotebookFormatException exception)
            {
                Refuse(RefusalReason.MalformedNotebook, exception.Message);
                return;
            }
            _notebooks.Add(notebook);
            // A cell's own kernel decides (VS Code saves Polyglot notebooks with language_info "python" and each cell's
            // kernel in its metadata); the notebook's kernel matters only when no cell says it is C#.
            bool anyCSharpCell = notebook.CodeCells.Any(cell => cell.Language == NotebookLanguages.CSharp || SwitchesToCSharp(cell));
            if (!anyCSharpCell && notebook.DefaultLanguage == NotebookLanguages.Python)
            {
                Refuse(RefusalReason.PythonNotebook, $"{relativePath}: this notebook's kernel is Python; the course's grader runs C# notebooks (.NET Interactive)");
                return;
            }
            if (!anyCSharpCell && NotebookLanguages.Normalize(notebook.DefaultLanguage) is null)
            {
                Refuse(RefusalReason.NotCSharpSource, $"{relativePath}: this notebook's kernel is '{notebook.DefaultLanguage}'; the course's grader runs C# notebooks (.NET Interactive)");
                return;
            }
            if (notebook.DefaultLanguageAssumed)
            {
                Note(NoteSeverity.Info, $"{relativePath}: the notebook names no kernel; its code cells are read as C#");
            }

            var text = new StringBuilder();
            var segments = new List<CodeSegment>();
            var nextLine = 1;
            foreach (var (cell, cellLines) in CSharpCells(notebook))
            {
                segments.Add(new CodeSegment(nextLine, cellLines.Length, relativePath, cell.Number, 1));
                foreach (var line in cellLines)
                {
                    text.Append(line).Append('\n');
                }
                nextLine += cellLines.Length;
            }
            if (segments.Count == 0)
            {
                if (notebook.CodeCells.Any(cell => !cell.IsBlank))
                {
                    Note(NoteSeverity.Warning, $"{relativePath}: the notebook has no C# code cells");
                }
                return;
            }
            _units.Add(new CSharpCodeUnit(relativePath, CodeUnitKind.Notebook, text.ToString(), nextLine - 1, segments));
        }

        /// <summary>Each code cell that holds C#, with its lines as the compiler gets them.</summary>
        public List<(NotebookCell Cell, string[] Lines)> CSharpCells(NotebookDocument notebook)
        {
            var cells = new List<(NotebookCell, string[])>();
            foreach (var cell in notebook.CodeCells)
            {
                if (CellToCSharp(cell, notebook.FileName) is { } lines)
                {
                    cells.Add((cell, lines));
                }
            }

            return cells;
        }

        /// <summary>True when a <c>#!csharp</c> line in the cell switches (part of) it to C#.</summary>
        private static bool SwitchesToCSharp(NotebookCell cell)
            => SplitLines(cell.Source, dropTrailingEmptyLine: true)
                .Select(line => line.TrimStart())
                .Any(line => line.StartsWith("#!", StringComparison.Ordinal) && NotebookLanguages.Normalize(MagicName(line)) == NotebookLanguages.CSharp);

        /// <summary>"fsharp" for "#!fsharp", "time" for "#!time --flag".</summary>
        private static string MagicName(string trimmedLine)
            => trimmedLine[2..].Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";

        /// <summary>
        /// The cell's lines with everything that is not C# blanked (other-kernel lines, magics, directives), or null
        /// when the cell has no C# line at all. A <c>#!fsharp</c>-style line switches the kernel for the lines after it.
        /// </summary>
        private string[]? CellToCSharp(NotebookCell cell, string file)
        {
            var lines = SplitLines(cell.Source, dropTrailingEmptyLine: true);
            var language = cell.Language;
            var hasCSharp = false;
            int? foreignStart = null;
            var foreignLanguage = language;

            void CloseForeignRun(int endLine)
            {
                if (foreignStart is { } start)
                {
                    // The whole cell when nothing before the run was C# and it goes to the end (a #!fsharp cell).
                    NoteForeignLines(cell, file, foreignLanguage, start, endLine, wholeCell: !hasCSharp && endLine >= lines.Length);
                    foreignStart = null;
                }
            }

            for (var index = 0; index < lines.Length; index++)
            {
                var lineNumber = index + 1;
                var where = new SourceOrigin(file, cell.Number, lineNumber);
                var trimmed = lines[index].TrimStart();
                if (trimmed.StartsWith("#!", StringComparison.Ordinal))
                {
                    var magic = MagicName(trimmed);
                    lines[index] = "";
                    if (NotebookLanguages.Normalize(magic) is { } switchedTo)
                    {
                        CloseForeignRun(lineNumber - 1);
                        language = switchedTo;
                        continue;
                    }
                    Note(NoteSeverity.Info, $"magic command '#!{magic}' was removed: the grader does not run .NET Interactive magics", where);
                    continue;
                }
                if (language != NotebookLanguages.CSharp)
                {
                    if (foreignStart is null && !string.IsNullOrWhiteSpace(lines[index]))
                    {
                        foreignStart = lineNumber;
                        foreignLanguage = language;
                    }
                    lines[index] = "";
                    continue;
                }
                CloseForeignRun(lineNumber - 1);
                hasCSharp = true;
                if (DirectiveLines.Classify(lines[index], options) is { } directive)
                {
                    RemoveDirective(directive, where, lines, index);
                }
            }
            CloseForeignRun(lines.Length);
            return hasCSharp ? lines : null;
        }

        private void NoteForeignLines(NotebookCell cell, string file, string language, int firstLine, int lastLine, bool wholeCell)
        {
            var severity = language is NotebookLanguages.Markdown or "html" or "mermaid" or "value" ? NoteSeverity.Info : NoteSeverity.Warning;
            var shown = NotebookLanguages.DisplayName(language);
            var message = wholeCell
                ? $"the cell is {shown}, not C#; it was skipped ({shown} cells are not graded in this course)"
                : string.Create(CultureInfo.InvariantCulture, $"lines {firstLine}-{lastLine} are {shown}, not C#; they were skipped (only C# is graded)");
            Note(severity, message, new SourceOrigin(file, cell.Number, firstLine));
        }

        /// <summary>Reads a .cs/.csx as text; a binary or oversized file becomes an error note and null.</summary>
        private string? ReadText(string fullPath, string relativePath)
        {
            var length = new FileInfo(fullPath).Length;
            if (length > options.MaxSourceFileBytes)
            {
                Refuse(RefusalReason.FileTooLarge, $"{relativePath}: the file is {ByteSize.Format(length)}; source files above {ByteSize.Format(options.MaxSourceFileBytes)} are not read");
                return null;
            }
            var bytes = File.ReadAllBytes(fullPath);
            if (bytes.AsSpan().StartsWith("\uFEFF"u8))
            {
                return DecodeUtf8(bytes.AsSpan(3), relativePath);
            }
            if (bytes.AsSpan().StartsWith([(byte)0xFF, (byte)0xFE]))
            {
                return Encoding.Unicode.GetString(bytes, 2, bytes.Length - 2);
            }
            if (bytes.AsSpan().StartsWith([(byte)0xFE, (byte)0xFF]))
            {
                return Encoding.BigEndianUnicode.GetString(bytes, 2, bytes.Length - 2);
            }
            var nul = Array.IndexOf(bytes, (byte)0);
            if (nul >= 0)
            {
                Refuse(RefusalReason.NotCSharpSource, string.Create(CultureInfo.InvariantCulture,
                    $"{relativePath}: is not a text file (a NUL byte at offset {nul}); submit C# source code"));
                return null;
            }
            return DecodeUtf8(bytes, relativePath);
        }

        private string DecodeUtf8(ReadOnlySpan<byte> bytes, string relativePath)
        {
            try
            {
                return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                Note(NoteSeverity.Warning, $"{relativePath}: is not UTF-8; it was read as Latin-1 (save source files as UTF-8)");
                return Encoding.Latin1.GetString(bytes);
            }
        }

        private static string[] SplitLines(string text, bool dropTrailingEmptyLine)
        {
            var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
            return dropTrailingEmptyLine && lines.Length > 0 && lines[^1].Length == 0 ? lines[..^1] : lines;
        }
    }
}

/// <summary>A package a <c>#r "nuget: ..."</c> line asks for that the grader does not provide, and where.</summary>
public sealed record MissingPackage(string Package, SourceOrigin Where);
