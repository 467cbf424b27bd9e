using Grader.Data.Course;
using Grader.Data;
using Grader.Submissions.Intake;
using Grader.Submissions.Notebooks;
using Grader.Submissions.Sources;
using Grader.Submissions.Storage;

namespace Grader.Web.Workspace;

/// <summary>One C# file of a submission, or one C# cell of a notebook, as the grader compiles it.</summary>
/// <param name="Cell">The notebook cell (1-based over all cells, as Jupyter counts); null for a .cs/.csx file.</param>
public sealed record CodeFile(string Path, int? Cell, string Text)
{
    public string Title => Cell is { } cell ? $"{Path}, cell {cell}" : Path;
}

/// <summary>What a stored submission holds, read the way the grader reads it; <see cref="Problems"/> says what could not be read.</summary>
public sealed record SubmissionContent(IReadOnlyList<NotebookDocument> Notebooks, IReadOnlyList<CodeFile> Files, IReadOnlyList<string> Problems)
{
    public static SubmissionContent Empty(string problem) => new([], [], [problem]);
}

/// <summary>
/// Reads a submission's stored bytes for the TA workspace: extracted by the same safe intake as grading (its limits on
/// files, sizes and compression), collected by <see cref="CSharpSourceSet"/> (the one notebook reader, so cell numbers
/// and C# lines are the grader's), in a temporary folder that is deleted before the page is answered.
/// </summary>
public sealed class SubmissionContents(CourseCatalog course, SubmissionStore store)
{
    /// <summary>Largest notebook rendered: the grader reads up to 50 MB, a page does not need that much.</summary>
    public const long MaxNotebookBytes = 20L * 1024 * 1024;

    private static readonly SourceSetOptions ViewOptions = SourceSetOptions.Default with { MaxNotebookBytes = MaxNotebookBytes };

    public SubmissionContent Read(SubmissionRecord submission)
    {
        ArgumentNullException.ThrowIfNull(submission);
        if (!ContentHash.TryParse(submission.ContentHash, out var hash) || !store.Exists(hash))
        {
            return SubmissionContent.Empty($"The submission's bytes ({submission.ContentHash[..Math.Min(12, submission.ContentHash.Length)]}…) are missing from the store.");
        }

        string work = Path.Combine(course.DataFolder, "workspace-tmp", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.GetDirectoryName(work)!);
        try
        {
            var extracted = new SubmissionIntake().Extract(store, hash, submission.OriginalFileName, work, new IntakeOptions { CheckSyllabusNaming = false });
            var sources = CSharpSourceSet.FromFolder(extracted.Folder, ViewOptions);
            return FromSources(sources);
        }
        catch (SubmissionRefusedException refused)
        {
            return SubmissionContent.Empty(refused.Message);
        }
        catch (Exception unreadable) when (unreadable is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // Never the temporary path: the page names the submission only.
            return SubmissionContent.Empty($"{submission.OriginalFileName} could not be read: {unreadable.Message.Replace(work, "", StringComparison.Ordinal)}");
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    /// <summary>The assignment's starter as shipped in the course repository (trusted files), for the diff.</summary>
    public SubmissionContent ReadStarter(string assignmentId)
    {
        string folder = Path.Combine(course.Root, "assignments", assignmentId, "starter");
        return Directory.Exists(folder)
            ? FromSources(CSharpSourceSet.FromFolder(folder, ViewOptions))
            : SubmissionContent.Empty($"assignments/{assignmentId} has no starter/ folder.");
    }

    private static SubmissionContent FromSources(CSharpSourceSet sources)
    {
        var files = new List<CodeFile>();
        foreach (var unit in sources.Units)
        {
            if (unit.Kind == CodeUnitKind.Notebook)
            {
                var notebook = sources.Notebooks.First(n => n.FileName == unit.Path);
                files.AddRange(CSharpSourceSet.CSharpCells(notebook, ViewOptions).Select(cell => new CodeFile(unit.Path, cell.CellNumber, cell.Text)));
            }
            else
            {
                files.Add(new CodeFile(unit.Path, null, unit.Text));
            }
        }

        var problems = sources.Notes.Where(note => note.Severity == NoteSeverity.Error).Select(note => note.ToString()).ToList();
        return new SubmissionContent(sources.Notebooks, files, problems);
    }
}
