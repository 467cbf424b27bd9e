using Grader.Runner.Compilation;
using Grader.TestKit;

namespace Grader.Runner.Tests.Notebooks;

/// <summary>
/// The .NET Interactive kernel's rules for C# cells, as the grader must apply them: each cell a script submission
/// chained to the ones before it.
/// </summary>
public class NotebookSemanticsTests
{
    private const string Usings = "using TorchSharp;\nusing static TorchSharp.torch;";

    private static (Grader.Submissions.Sources.CSharpSourceSet Sources, CompilationOutcome Outcome) Compile(NotebookJson notebook, StaticPolicyOptions? policy = null)
    {
        var sources = NotebookCompilation.ReadJson(notebook.Build());
        return (sources, NotebookCompilation.Compile(sources, policy));
    }

    private static void AssertCompiles((Grader.Submissions.Sources.CSharpSourceSet Sources, CompilationOutcome Outcome) compiled)
    {
        Assert.That(NotebookCompilation.Errors(compiled.Sources, compiled.Outcome), Is.Empty);
        Assert.That(compiled.Outcome.Assembly, Is.Not.Null, () => string.Join("\n", compiled.Outcome.Messages));
    }

    [Test]
    public void ACellMayEndInABareExpressionWhoseValueTheKernelDisplays()
        => AssertCompiles(Compile(new NotebookJson()
            .Code(Usings)
            .Code("var x = ones(2, 4, 4);\nx.sum()")
            .Code("x")
            .Code("x.shape.Length + 1")));

    [Test]
    public void AVariableDeclaredAgainInALaterCellHidesTheEarlierOne()
        => AssertCompiles(Compile(new NotebookJson()
            .Code("var rate = 0.1;\nConsole.WriteLine(rate);")
            .Code("var rate = \"fast\"; // now a string\nConsole.WriteLine(rate.Length);")
            .Code("int Twice(int v) => 2 * v;\nvar four = Twice(2);")
            .Code("string Twice(string v) => v + v;\nvar again = Twice(\"ab\").Length + four;")));

    [Test]
    public void AClassDefinedAgainIsTheLastDefinitionThatIsGraded()
    {
        var compiled = Compile(new NotebookJson()
            .Code("using Grader.Contracts;\n" + Usings)
            .Markdown("## First try")
            .Code(Hw1Class("first draft"))
            .Code("var draft = new MultilayerPerceptron();\ndraft")
            .Markdown("## Fixed")
            .Code("// the fix\n" + Hw1Class("fixed")));
        AssertCompiles(compiled);
        var implementation = compiled.Outcome.ContractImplementations.Single();
        var unit = compiled.Sources.Units.Single();
        Assert.Multiple(() =>
        {
            Assert.That(implementation.Contract, Is.EqualTo("IMultilayerPerceptron"));
            Assert.That(implementation.ClassName, Is.EqualTo("MultilayerPerceptron"));
            Assert.That(unit.MapLine(implementation.Line).ToString(), Is.EqualTo("hw1.ipynb, cell 6, line 2"), "the sixth cell, counting markdown cells as Jupyter and VS Code do");
        });
    }

    [Test]
    public void TwoDifferentClassesForOneContractAreBothReported()
    {
        var compiled = Compile(new NotebookJson()
            .Code("using Grader.Contracts;\n" + Usings)
            .Code(Hw1Class("one"))
            .Code(Hw1Class("two").Replace("class MultilayerPerceptron", "class BetterPerceptron", StringComparison.Ordinal)));
        AssertCompiles(compiled);
        Assert.That(compiled.Outcome.ContractImplementations.Select(i => i.ClassName), Is.EquivalentTo(new[] { "MultilayerPerceptron", "BetterPerceptron" }));
    }

    [Test]
    public void ACellsOwnKernelWinsOverTheNotebooksPythonLanguageInfo()
    {
        var compiled = Compile(new NotebookJson().AsVsCodeSavesIt()
            .Code("var x = 1;", kernel: "csharp")
            .Code("x + 1", kernel: "csharp"));
        Assert.That(compiled.Sources.HasErrors, Is.False, string.Join("\n", compiled.Sources.Notes));
        AssertCompiles(compiled);
    }

    [Test]
    public void APythonNotebookWithoutCSharpCellsIsStillRefused()
    {
        var sources = NotebookCompilation.ReadJson(new NotebookJson().AsVsCodeSavesIt().Code("import torch").Build());
        Assert.That(sources.Notes.Select(n => n.ToString()), Has.Some.Contains("this notebook's kernel is Python"));
        Assert.That(sources.HasErrors, Is.True);
    }

    [Test]
    public void FSharpAndOtherKernelsCellsAreSkippedWithANote()
    {
        var compiled = Compile(new NotebookJson()
            .Code("let x = 1", kernel: "fsharp")
            .Code("#!fsharp\nlet y = 2", kernel: null)
            .Code("#!pwsh\nGet-ChildItem")
            .Code("var z = 3;\nz"));
        AssertCompiles(compiled);
        var notes = compiled.Sources.Notes.Select(n => n.ToString()).ToList();
        Assert.That(notes, Has.Some.EqualTo("hw1.ipynb, cell 1, line 1: the cell is F#, not C#; it was skipped (F# cells are not graded in this course)"));
        Assert.That(notes, Has.Some.EqualTo("hw1.ipynb, cell 2, line 2: the cell is F#, not C#; it was skipped (F# cells are not graded in this course)"));
        Assert.That(notes, Has.Some.Contains("cell 3").And.Contains("PowerShell"));
    }

    [TestCase("#!time")]
    [TestCase("#!about")]
    [TestCase("#!lsmagic")]
    [TestCase("#!set --name answer --value 42")]
    [TestCase("#!who")]
    [TestCase("#!share --from fsharp data")]
    public void MagicsAreSkippedWithANoteAndNeverAreACompileError(string magic)
    {
        var compiled = Compile(new NotebookJson().Code($"{magic}\nvar total = 1 + 2;\ntotal"));
        AssertCompiles(compiled);
        Assert.That(compiled.Sources.Notes.Select(n => n.ToString()), Has.Some.Contains("hw1.ipynb, cell 1, line 1").And.Contains("was removed"));
    }

    [Test]
    public void AValueCellIsDataNotCode()
        => AssertCompiles(Compile(new NotebookJson().Code("#!value --name points\n1,2,3\n4,5,6").Code("var n = 1;")));

    [Test]
    public void AnUnknownPackageIsNamedWithTheCellsThatAskForIt()
    {
        var compiled = Compile(new NotebookJson()
            .Code("#r \"nuget: TorchSharp-cpu\"\n#r \"nuget: Some.Charting, 1.2.3\"\nusing Some.Charting;")
            .Code("var chart = new LineChart();"));
        var missing = compiled.Sources.MissingPackages.Single();
        Assert.Multiple(() =>
        {
            Assert.That(missing.Package, Is.EqualTo("Some.Charting"));
            Assert.That(missing.Where.ToString(), Is.EqualTo("hw1.ipynb, cell 1, line 2"));
            Assert.That(NotebookCompilation.Errors(compiled.Sources, compiled.Outcome), Has.Some.StartsWith("hw1.ipynb, cell 1, line 3"), "the using fails where it is");
        });
    }

    [Test]
    public void KernelHelpersCompileAndDoNothing()
        => AssertCompiles(Compile(new NotebookJson()
            .Code("using Microsoft.DotNet.Interactive.Formatting;\nFormatter.SetPreferredMimeTypesFor(typeof(TorchSharp.torch.Tensor), \"text/plain\");\nFormatter.Register<TorchSharp.torch.Tensor>((TorchSharp.torch.Tensor t) => t.ToString());")
            .Code("display(1);\ndisplay(\"two\", \"text/plain\");\nvar shown = display(3);\nshown.Update(4);")
            .Code("new[] { 1, 2 }.Display();\nHTML(\"<b>bold</b>\")")));

    [Test]
    public void ADiagnosticNamesTheCellAndTheLineInIt()
    {
        var compiled = Compile(new NotebookJson()
            .Code("var a = 1;")
            .Markdown("text")
            .Code("var b = 2;\nint c = \"three\";"));
        Assert.That(NotebookCompilation.Errors(compiled.Sources, compiled.Outcome).Single(), Does.StartWith("hw1.ipynb, cell 3, line 2: ").And.EndWith("(CS0029)"));
    }

    [Test]
    public void AnUnclosedBraceStaysInItsOwnCell()
    {
        var compiled = Compile(new NotebookJson()
            .Code("void Broken() {\n  var x = 1;")
            .Code("var fine = 2;"));
        var errors = NotebookCompilation.Errors(compiled.Sources, compiled.Outcome);
        Assert.That(errors, Is.Not.Empty);
        Assert.That(errors, Has.All.StartWith("hw1.ipynb, cell 1, "));
    }

    [Test]
    public void UsingDirectivesMayOpenAnyCell()
        => AssertCompiles(Compile(new NotebookJson()
            .Code("var list = new List<int> { 1 };")
            .Code("using System.Text.RegularExpressions;\nvar match = Regex.IsMatch(\"a\", \"a\");")
            .Code("using static System.Math;\nvar root = Sqrt(4.0);\nroot")));

    [Test]
    public void ACellThatUsesANameALaterCellDeclaresFailsAsInTheKernel()
    {
        var compiled = Compile(new NotebookJson()
            .Code("var early = Later.Value;")
            .Code("static class Later { public const int Value = 1; }"));
        Assert.That(NotebookCompilation.Errors(compiled.Sources, compiled.Outcome), Has.Some.StartsWith("hw1.ipynb, cell 1, line 1"));
    }

    [Test]
    public void AForbiddenApiInAnEarlyCellIsStillRefused()
    {
        var compiled = Compile(new NotebookJson()
            .Code("var info = System.Diagnostics.Process.GetCurrentProcess();")
            .Code("var x = 1;\nx"));
        var violation = compiled.Outcome.Violations.First(v => v.Severity == PolicySeverity.Reject);
        var unit = compiled.Sources.Units.Single();
        Assert.That(violation.Api, Does.Contain("System.Diagnostics.Process"));
        Assert.That(unit.MapLine(violation.Line!.Value).ToString(), Is.EqualTo("hw1.ipynb, cell 1, line 1"));
        Assert.That(compiled.Outcome.Succeeded, Is.False);
    }

    [Test]
    public void AutogradInAnEarlyCellIsRefusedUnderTheAutogradBan()
    {
        var compiled = Compile(new NotebookJson()
            .Code(Usings + "\nvar w = ones(2).requires_grad_();")
            .Code("var y = 1;\ny"), new StaticPolicyOptions { ForbidAutograd = true });
        Assert.That(compiled.Outcome.Violations.Where(v => v.Severity == PolicySeverity.Reject).Select(v => v.Api), Has.Some.Contains("requires_grad"));
    }

    [Test]
    public void AdjacentCellsThatCanShareASubmissionDoSo()
    {
        // Forty small cells must not cost forty assemblies: only the redeclaration starts a new submission here.
        var notebook = new NotebookJson().Code(Usings);
        for (int i = 0; i < 40; i++)
        {
            notebook.Code($"var t{i} = ones({i + 1});");
        }

        notebook.Code("var t0 = zeros(1);\nt0");
        var compiled = Compile(notebook);
        AssertCompiles(compiled);
        Assert.That(compiled.Outcome.EarlierSubmissions, Has.Count.EqualTo(1));
    }

    [Test]
    public void UsingsThatRepeatWhatIsOpenDoNotCostASubmissionButANewOneDoes()
    {
        var repeated = Compile(new NotebookJson()
            .Code(Usings)
            .Code("using System;\n" + Usings + "\nvar a = ones(1);")
            .Code(Usings + "\nvar b = a + 1;\nb"));
        AssertCompiles(repeated);
        Assert.That(repeated.Outcome.EarlierSubmissions, Is.Empty, "every using was already open: one submission");

        var opening = Compile(new NotebookJson()
            .Code(Usings + "\nvar a = ones(1);")
            .Code("using System.Text.RegularExpressions;\nvar match = Regex.IsMatch(\"a\", \"a\") && a.shape.Length == 1;"));
        AssertCompiles(opening);
        Assert.That(opening.Outcome.EarlierSubmissions, Has.Count.EqualTo(1), "System.Text.RegularExpressions was not open yet");
    }

    /// <summary>A complete HW1 class (it compiles; it does not learn), marked so tests can tell versions apart.</summary>
    private static string Hw1Class(string version) => $$"""
        public sealed class MultilayerPerceptron : IMultilayerPerceptron
        {
            public string Version => "{{version}}";
            public void Initialize(int inputSize, int[] hiddenSizes, int classCount, long seed) { }
            public void SetParameters(Tensor[] weights, Tensor[] biases) { }
            public Tensor[] GetWeights() => [];
            public Tensor[] GetBiases() => [];
            public Tensor Forward(Tensor inputs) => inputs;
            public Tensor CrossEntropyLoss(Tensor logits, Tensor labels) => zeros(1);
            public void Backward(Tensor inputs, Tensor labels) { }
            public Tensor[] GetWeightGradients() => [];
            public Tensor[] GetBiasGradients() => [];
            public void Step(float learningRate) { }
            public void Train(Tensor inputs, Tensor labels) { }
            public Tensor Predict(Tensor inputs) => inputs;
        }
        """;
}
