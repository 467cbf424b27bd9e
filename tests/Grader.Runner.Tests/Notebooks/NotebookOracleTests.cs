using System.Text.RegularExpressions;
using Grader.Submissions.Notebooks;
using Grader.TestKit;

namespace Grader.Runner.Tests.Notebooks;

/// <summary>
/// The real .NET Interactive kernel as the oracle: each notebook of the corpus runs in the kernel cell by cell, and
/// the grader must agree with it. A notebook the kernel runs without a compile error compiles in the grader; a cell
/// the kernel refuses to compile is the cell (and line) where the grader reports its first error. The kernel gets
/// the packages the course provides (TorchSharp-cpu at the grader's version), as students are told to use.
/// </summary>
[Category("Oracle")]
[NonParallelizable]
public partial class NotebookOracleTests
{
    private static readonly TimeSpan CellTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Notebooks written for the rules: what the kernel accepts and refuses around chaining cells.</summary>
    private static readonly Dictionary<string, Func<NotebookJson>> Written = new()
    {
        ["trailing-expressions"] = () => new NotebookJson().Code("var x = 2;\nx * 3").Code("x").Code("$\"{x}\""),
        ["redeclarations"] = () => new NotebookJson()
            .Code("var rate = 0.1;\nint Twice(int v) => 2 * v;\nclass Model { public int Size = 1; }")
            .Code("var rate = \"fast\";\nstring Twice(string v) => v + v;\nclass Model { public string Name = \"m\"; }")
            .Code("var m = new Model();\nm.Name + Twice(rate)"),
        ["usings-in-a-later-cell"] = () => new NotebookJson().Code("var n = 4;").Code("using static System.Math;\nSqrt(n)"),
        ["forward-reference"] = () => new NotebookJson().Code("var early = Later.Value;").Code("static class Later { public const int Value = 1; }"),
        ["type-error-in-third-cell"] = () => new NotebookJson().Code("var a = 1;").Markdown("text").Code("var b = 2;\nint c = \"three\";").Code("var d = 4;"),
        ["unclosed-brace"] = () => new NotebookJson().Code("void Broken() {\n  var x = 1;").Code("var fine = 2;"),
        ["kernel-helpers"] = () => new NotebookJson()
            .Code("display(1);\nvar shown = display(\"two\");\nshown.Update(3);")
            .Code("new[] { 1, 2 }.Display();\nHTML(\"<b>bold</b>\")")
            .Code("using Microsoft.DotNet.Interactive.Formatting;\nFormatter.Register<int[]>((int[] values) => string.Join(\",\", values));"),
        ["magics-and-other-kernels"] = () => new NotebookJson()
            .Code("#!time\nvar total = 1 + 2;\ntotal")
            .Code("let y = 2", kernel: "fsharp")
            .Code("#!fsharp\nlet z = 3")
            .Code("total + 1"),
    };

    private static IEnumerable<string> Corpus()
        => [.. NotebookCompilation.RealNotebooks(), .. Written.Keys.Select(name => name + ".ipynb")];

    [OneTimeSetUp]
    public void KernelIsInstalled()
        => Assert.That(File.Exists(InteractiveKernel.ExecutablePath), Is.True,
            $"the .NET Interactive kernel is not at {InteractiveKernel.ExecutablePath}: run bash scripts/setup.sh --tests");

    [TestCaseSource(nameof(Corpus))]
    public void TheGraderAgreesWithTheKernel(string notebook)
    {
        string folder = Directory.CreateTempSubdirectory("grader-oracle-").FullName;
        try
        {
            string path = Path.Combine(folder, notebook);
            if (Written.TryGetValue(Path.GetFileNameWithoutExtension(notebook), out var write))
            {
                File.WriteAllText(path, write().Build());
            }
            else
            {
                File.Copy(Path.Combine(NotebookCompilation.RealNotebooksFolder, notebook), path);
            }

            var kernelError = FirstKernelError(NotebookDocument.Load(path, notebook), folder);
            var sources = NotebookCompilation.Read(path);
            var outcome = NotebookCompilation.Compile(sources);
            var graderErrors = NotebookCompilation.Errors(sources, outcome);
            if (kernelError is null)
            {
                Assert.That(graderErrors, Is.Empty, "the kernel compiled every cell");
                Assert.That(outcome.Assembly, Is.Not.Null);
            }
            else
            {
                Assert.That(graderErrors, Is.Not.Empty, $"the kernel refused {kernelError}");
                Assert.That(graderErrors[0], Does.StartWith($"{notebook}, {kernelError.Value.Where}: "), $"the kernel refused {kernelError}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The first cell the kernel refused to compile, and the first error line in it; null when it compiled all.</summary>
    private static (string Where, KernelError Error)? FirstKernelError(NotebookDocument notebook, string workingDirectory)
    {
        using var kernel = new InteractiveKernel(workingDirectory);
        foreach (var cell in notebook.CodeCells.Where(IsCSharp))
        {
            var errors = kernel.Submit(WithCoursePackages(cell.Source), CellTimeout);
            if (errors.Count > 0)
            {
                var first = errors.MinBy(error => error.Line)!;
                return ($"cell {cell.Number}, line {first.Line}", first);
            }
        }

        return null;
    }

    private static bool IsCSharp(NotebookCell cell)
        => cell.Language == NotebookLanguages.CSharp || cell.Source.Split('\n').Any(line => line.Trim() is "#!csharp" or "#!c#");

    /// <summary>TorchSharp as the course provides it, whichever TorchSharp package and version the notebook names.</summary>
    private static string WithCoursePackages(string source)
        => TorchSharpReference().Replace(source, $"#r \"nuget: TorchSharp-cpu, {typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(3)}\"");

    [GeneratedRegex("""^#r\s+"nuget:\s*(TorchSharp|libtorch)[^"]*"\s*$""", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex TorchSharpReference();
}
