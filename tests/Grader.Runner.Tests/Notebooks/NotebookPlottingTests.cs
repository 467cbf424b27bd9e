using Grader.Core.Reports;
using Grader.Runner.Compilation;
using Grader.Runner.Tests.Grading;
using Grader.TestKit;

namespace Grader.Runner.Tests.Notebooks;

/// <summary>
/// The plotting students do in .NET notebooks (Plotly.NET with its kernel extension, Plotly.NET.CSharp, ScottPlot):
/// the grader provides the packages, so the cells compile, pass the static policy and run in the sandbox showing nothing.
/// </summary>
public class NotebookPlottingTests
{
    private const string Losses = "var losses = new List<float> { 0.9f, 0.5f, 0.3f, 0.2f };\nvar epochs = Enumerable.Range(1, losses.Count).ToList();";

    /// <summary>
    /// Plotly.NET from C#, as its docs write it for notebooks: Plotly.NET 6's chart functions are F# type extensions
    /// that C# cannot call, so C# uses Plotly.NET.CSharp; the kernel extension displays the chart.
    /// </summary>
    public const string PlotlyChart = """
        #r "nuget: Plotly.NET, 6.0.0"
        #r "nuget: Plotly.NET.CSharp, 0.14.0"
        #r "nuget: Plotly.NET.Interactive, 6.0.0"
        using Plotly.NET.CSharp;
        var chart = Chart.Line<int, float, string>(x: epochs, y: losses, Name: "training loss", ShowMarkers: true)
            .WithXAxisStyle<int, int, string>(TitleText: "epoch")
            .WithYAxisStyle<double, double, string>(TitleText: "loss")
            .WithSize(600, 400);
        chart.Display();
        display(chart);
        string html = Plotly.NET.GenericChart.toChartHTML(chart);
        Console.WriteLine($"chart: {html.Length} characters of HTML");
        """;

    public const string PlotlyCell = PlotlyChart + "\nchart";

    /// <summary>ScottPlot rendering to memory (a PNG in a byte array); saving to the submission's folder is not possible.</summary>
    public const string ScottPlotChart = """
        #r "nuget: ScottPlot, 5.1.59"
        var plot = new ScottPlot.Plot();
        plot.Add.Scatter(epochs.Select(e => (double)e).ToArray(), losses.Select(l => (double)l).ToArray());
        plot.Title("Loss per epoch");
        plot.XLabel("epoch");
        byte[] png = plot.GetImageBytes(400, 300, ScottPlot.ImageFormat.Png);
        Console.WriteLine($"plot: {png.Length} bytes of PNG");
        """;

    public const string ScottPlotCell = ScottPlotChart + "\npng.Length";

    private static (Grader.Submissions.Sources.CSharpSourceSet Sources, CompilationOutcome Outcome) Compile(params string[] cells)
    {
        var notebook = new NotebookJson().Code(Losses);
        foreach (var cell in cells)
        {
            notebook.Code(cell);
        }

        var sources = NotebookCompilation.ReadJson(notebook.Build());
        return (sources, NotebookCompilation.Compile(sources, new StaticPolicyOptions { ForbidAutograd = true, ForbidThreads = true }));
    }

    private static void AssertCompilesAndPasses((Grader.Submissions.Sources.CSharpSourceSet Sources, CompilationOutcome Outcome) compiled)
        => Assert.Multiple(() =>
        {
            Assert.That(compiled.Sources.MissingPackages, Is.Empty, "the grader provides the plotting packages");
            Assert.That(NotebookCompilation.Errors(compiled.Sources, compiled.Outcome), Is.Empty);
            Assert.That(compiled.Outcome.Violations.Where(v => v.Severity == PolicySeverity.Reject), Is.Empty, "plotting is not refused");
            Assert.That(compiled.Outcome.Succeeded, Is.True);
        });

    [Test]
    public void APlotlyChartOfTheLossesCompiles()
    {
        var compiled = Compile(PlotlyCell);
        AssertCompilesAndPasses(compiled);
        Assert.That(compiled.Sources.Notes.Select(n => n.Message), Has.Some.Contains("Plotly.NET.Interactive is provided"));
    }

    [Test]
    public void AScottPlotPlotOfTheLossesCompiles() => AssertCompilesAndPasses(Compile(ScottPlotCell));

    [Test]
    public void ShowingAChartInABrowserOrSavingItIsNotedNotRefused()
    {
        var compiled = Compile(PlotlyChart + "\nchart.Show();\nchart.SaveHtml(\"/tmp/loss.html\");", ScottPlotChart + "\nplot.SavePng(\"/tmp/loss.png\", 400, 300);");
        AssertCompilesAndPasses(compiled);
        Assert.That(compiled.Outcome.Violations.Where(v => v.Severity == PolicySeverity.Flag).Select(v => v.Api),
            Is.SupersetOf(new[] { "Plotly.NET.CSharp.GenericChartExtensions.Show", "Plotly.NET.CSharp.GenericChartExtensions.SaveHtml", "ScottPlot.Plot.SavePng" }));
    }

    /// <summary>
    /// Only the plotting packages and what they need join the compile references: the runner's own libraries stay unseen.
    /// </summary>
    [Test]
    public void TheRunnersOtherLibrariesAreNotCompileReferences()
    {
        var compiled = Compile("var options = new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder();");
        Assert.That(NotebookCompilation.Errors(compiled.Sources, compiled.Outcome), Has.Some.Contains("CS0234").Or.Some.Contains("CS0246"));
    }

    /// <summary>
    /// The plotting references join a compile only when the code names one of their namespaces; every public type of
    /// theirs lives in such a namespace, so code that names none cannot reach them (and compiles faster without them).
    /// </summary>
    [Test]
    public void ThePlottingReferencesJoinOnlyCodeThatNamesTheirNamespaces()
    {
        string modelNotebook = File.ReadAllText(Path.Combine(GradingFixture.RepositoryRoot, "assignments", "hw1-mlp", "solution", "hw1.ipynb"));
        Assert.Multiple(() =>
        {
            Assert.That(PlottingPackages.Closure.Value.AlwaysReachableTypes, Is.Empty, "no plotting type C# can name sits in the global namespace or in one that is always open");
            Assert.That(PlottingPackages.Closure.Value.NamespaceWords, Is.SupersetOf(new[] { "Plotly", "ScottPlot", "FSharp", "SkiaSharp" }));
            Assert.That(PlottingPackages.AreNamedIn(modelNotebook), Is.False, "the HW1 model notebook does not plot");
            Assert.That(PlottingPackages.AreNamedIn(PlotlyCell), Is.True);
            Assert.That(PlottingPackages.AreNamedIn(ScottPlotCell), Is.True);
        });
    }

    /// <summary>A type from the packages' closure other than the plotting libraries themselves (FSharp.Core) still compiles.</summary>
    [Test]
    public void ATypeFromThePlottingPackagesDependenciesCompiles()
        => AssertCompilesAndPasses(Compile("var none = Microsoft.FSharp.Core.FSharpOption<int>.None;\nConsole.WriteLine(none is null);"));
}

/// <summary>A student-style HW1 notebook that plots its training loss, graded through the pipeline and the sandbox.</summary>
[Category("Sandbox")]
[NonParallelizable]
public class NotebookPlottingGradingTests
{
    private GradingFixture _fixture = null!;

    [OneTimeSetUp]
    public void StartCourse() => _fixture = new GradingFixture(wallSeconds: 60);

    [OneTimeTearDown]
    public void RemoveCourse() => _fixture.Dispose();

    [TestCase("plotly")]
    [TestCase("scottplot")]
    public void AStudentStyleHw1NotebookThatPlotsTheLossScoresTheModelSolutionsAutoPointsAndRuns(string library)
    {
        string epochs = "var epochs = Enumerable.Range(1, losses.Count).ToList();";
        string plot = library == "plotly" ? NotebookPlottingTests.PlotlyCell : NotebookPlottingTests.ScottPlotCell;
        string notebook = StudentStyleNotebook.Build(Path.Combine(GradingFixture.RepositoryRoot, "assignments", "hw1-mlp"), "hw1", epochs, plot);
        var student = _fixture.Grader.Grade("hw1-mlp", _fixture.Submission("st1234_hw1", ("hw1.ipynb", notebook)));
        var model = _fixture.Grader.Grade("hw1-mlp", Path.Combine(GradingFixture.RepositoryRoot, "assignments", "hw1-mlp", "solution"));
        Assert.Multiple(() =>
        {
            Assert.That(student.Outcome, Is.EqualTo(GradingOutcome.Graded), student.Summary);
            Assert.That(AutoPoints(student), Is.EqualTo(AutoPoints(model)), string.Join("\n", student.Items.Select(i => $"{i.Id}: {i.Reason}")));
            Assert.That(_fixture.Course.Assignment("hw1-mlp").Resources?.NotebookSeconds, Is.Not.Null, "HW1 runs the notebook's own cells");
            Assert.That(student.NotebookRun?.Succeeded, Is.True, student.NotebookRun?.Message);
            // The plotting cell ran to its end: the chart's HTML or the PNG was made in memory (natives and all).
            Assert.That(student.NotebookRun?.Log, Does.Match(library == "plotly" ? @"chart: [1-9]\d* characters of HTML" : @"plot: [1-9]\d* bytes of PNG"));
        });
    }

    private static decimal AutoPoints(GradingReport report) => report.Items.Where(i => i.Kind == "auto").Sum(i => i.Points);
}

/// <summary>
/// What the plotting references cost Roslyn: the HW1 model notebook compiled warm, with and without them, alternating.
/// Explicit: a measurement, not a check (the figures are in the test's output).
/// </summary>
[Explicit("a measurement; run with --filter Name~PlottingReferences")]
public class PlottingReferencesCompileCost
{
    [Test]
    public void PlottingReferencesCompileTimeOfTheHw1Notebook()
    {
        var sources = NotebookCompilation.Read(Path.Combine(GradingFixture.RepositoryRoot, "assignments", "hw1-mlp", "solution", "hw1.ipynb"));
        CodeUnit[] units = [.. sources.Units.Select(unit => new CodeUnit(unit.Path, unit.Text, true, [.. unit.Segments.Select(s => (s.FirstLine - 1, s.LineCount))]))];
        var policy = new StaticPolicy(new StaticPolicyOptions { ForbidAutograd = true });
        var load = System.Diagnostics.Stopwatch.StartNew();
        var without = StudentCompiler.LoadReferences(includePlotting: false);
        double loadWithout = load.Elapsed.TotalMilliseconds;
        load.Restart();
        var with = StudentCompiler.LoadReferences(includePlotting: true);
        double loadWith = load.Elapsed.TotalMilliseconds;
        var compilers = new[] { new StudentCompiler(policy, without), new StudentCompiler(policy, with) };
        var times = new[] { new List<double>(), new List<double>() };
        for (int round = 0; round < 60; round++)
        {
            for (int which = 0; which < 2; which++)
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var outcome = compilers[which].Compile(units);
                times[which].Add(watch.Elapsed.TotalMilliseconds);
                Assert.That(outcome.Succeeded, Is.True);
            }
        }

        double Median(List<double> values) => values.Skip(20).Order().ElementAt((values.Count - 20) / 2);
        TestContext.Out.WriteLine($"references: {without.Length} without plotting, {with.Length} with; loading {loadWithout:F0} ms / {loadWith:F0} ms");
        TestContext.Out.WriteLine($"first compile: {times[0][0]:F0} ms without, {times[1][0]:F0} ms with");
        TestContext.Out.WriteLine($"warm median (rounds 21-60): {Median(times[0]):F1} ms without, {Median(times[1]):F1} ms with, ratio {Median(times[1]) / Median(times[0]):F3}");
    }
}
