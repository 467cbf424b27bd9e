using Grader.Runner.Compilation;
using Grader.Runner.Tests.Grading;
using Grader.Submissions.Sources;

namespace Grader.Runner.Tests.Notebooks;

/// <summary>Compiles notebooks the way the grading pipeline does: collected by CSharpSourceSet, then chained by StudentCompiler.</summary>
internal static class NotebookCompilation
{
    /// <summary>The visible sample of real .NET Interactive notebooks beside the checkout (never copied into it).</summary>
    public static string RealNotebooksFolder { get; } = Path.GetFullPath(Path.Combine(GradingFixture.RepositoryRoot, "..", "shared", "real-notebooks"));

    public static IEnumerable<string> RealNotebooks()
        => Directory.Exists(RealNotebooksFolder)
            ? Directory.EnumerateFiles(RealNotebooksFolder, "*.ipynb").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)
            : [];

    /// <summary>Reads one notebook file into a source set (through a scratch folder holding only it).</summary>
    public static CSharpSourceSet Read(string notebookPath)
    {
        string folder = Directory.CreateTempSubdirectory("grader-notebook-").FullName;
        try
        {
            File.Copy(notebookPath, Path.Combine(folder, Path.GetFileName(notebookPath)));
            return CSharpSourceSet.FromFolder(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Reads notebook JSON written by a test.</summary>
    public static CSharpSourceSet ReadJson(string json, string fileName = "hw1.ipynb")
    {
        string folder = Directory.CreateTempSubdirectory("grader-notebook-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, fileName), json);
            return CSharpSourceSet.FromFolder(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public static CompilationOutcome Compile(CSharpSourceSet sources, StaticPolicyOptions? policy = null)
        => new StudentCompiler(new StaticPolicy(policy ?? new StaticPolicyOptions())).Compile(
            [.. sources.Units.Select(unit => new CodeUnit(unit.Path, unit.Text, unit.Kind != CodeUnitKind.SourceFile,
                unit.Kind == CodeUnitKind.Notebook ? [.. unit.Segments.Select(s => (s.FirstLine - 1, s.LineCount))] : null))]);

    /// <summary>Compiler errors as the report shows them: notebook, cell and line.</summary>
    public static IReadOnlyList<string> Errors(CSharpSourceSet sources, CompilationOutcome outcome)
        => [.. outcome.Messages.Where(m => m.IsError).Select(m =>
            sources.Units.FirstOrDefault(u => u.Path == m.Path) is { } unit && m.Line >= 1 && m.Line <= unit.LineCount
                ? $"{unit.MapLine(m.Line)}: {m.Message} ({m.Id})"
                : $"{m.Path}:{m.Line}: {m.Message} ({m.Id})")];
}
