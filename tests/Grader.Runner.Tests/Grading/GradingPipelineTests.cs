using System.IO.Compression;
using System.Text.Json.Nodes;
using Grader.Core.Reports;

namespace Grader.Runner.Tests.Grading;

/// <summary>Whole submissions through the real pipeline, in every form the syllabus and GitHub produce.</summary>
[Category("Sandbox")]
[NonParallelizable]
public class GradingPipelineTests
{
    private GradingFixture _fixture = null!;

    [OneTimeSetUp]
    public void StartCourse() => _fixture = new GradingFixture(wallSeconds: 60);

    [OneTimeTearDown]
    public void RemoveCourse() => _fixture.Dispose();

    private static string SolutionFolder(string assignment) => Path.Combine(GradingFixture.RepositoryRoot, "assignments", assignment, "solution");

    [TestCase("hw1-mlp", 90)]
    [TestCase("hw2-cnn", 80)]
    [TestCase("hw3-rnn", 95)]
    public void TheModelSolutionEarnsEveryAutomaticPoint(string assignment, decimal expectedBeforeManualItems)
    {
        var report = _fixture.Grader.Grade(assignment, SolutionFolder(assignment));
        Assert.Multiple(() =>
        {
            Assert.That(report.Outcome, Is.EqualTo(GradingOutcome.Graded), report.Summary);
            Assert.That(report.Items.Where(i => i.Kind == "auto").Select(i => i.Status), Is.All.EqualTo("passed"), string.Join("\n", report.Items.Select(i => i.Reason)));
            Assert.That(report.Items.Where(i => i.Kind == "auto").Sum(i => i.Points), Is.EqualTo(report.Items.Where(i => i.Kind == "auto").Sum(i => i.Max)));
            Assert.That(report.Total, Is.EqualTo(expectedBeforeManualItems), "the manual items wait for a TA");
            Assert.That(report.Provisional, Is.True);
        });
    }

    [Test]
    public void ASyllabusZipIsStoredByHashAndGradedWithTheNetIdRead()
    {
        string zip = Path.Combine(_fixture.Root, "ab1234_hw1.zip");
        ZipFile.CreateFromDirectory(SolutionFolder("hw1-mlp"), zip, CompressionLevel.Optimal, includeBaseDirectory: true);
        var report = _fixture.Grader.Grade("hw1-mlp", zip);
        Assert.Multiple(() =>
        {
            Assert.That(report.Total, Is.EqualTo(90m), report.Summary);
            Assert.That(report.Submission.NetId, Is.EqualTo("ab1234"));
            Assert.That(report.Submission.Form, Is.EqualTo("ZipArchive"));
            Assert.That(_fixture.Store.Exists(Grader.Submissions.Storage.ContentHash.Parse(report.Submission.Hash)), Is.True);
            Assert.That(report.Notes, Has.Some.Contains("the notebook is the submission"));
        });
    }

    [Test]
    public void ASingleNotebookAndASingleSourceFileAreSubmissionsToo()
    {
        var notebook = _fixture.Grader.Grade("hw1-mlp", Path.Combine(SolutionFolder("hw1-mlp"), "hw1.ipynb"));
        var source = _fixture.Grader.Grade("hw1-mlp", Path.Combine(SolutionFolder("hw1-mlp"), "MultilayerPerceptron.cs"));
        Assert.That(notebook.Total, Is.EqualTo(90m), notebook.Summary);
        Assert.That(source.Total, Is.EqualTo(90m), source.Summary);
        Assert.That(notebook.Notebook, Is.Not.Null);
        Assert.That(notebook.CompilerMessages, Is.Empty, "the grader's own notebook helpers must not warn");
        Assert.That(notebook.Notebook!.Verdict, Does.StartWith("outputs and plots visible: no"), "the shipped solution notebook is saved without outputs");
    }

    [Test]
    public void ACompileErrorInANotebookNamesTheCellAndTheLineInIt()
    {
        var notebook = JsonNode.Parse(File.ReadAllText(Path.Combine(SolutionFolder("hw1-mlp"), "hw1.ipynb")))!;
        var cell = notebook["cells"]![4]!;
        var source = cell["source"]!.AsArray().Select(line => line!.GetValue<string>()).ToList();
        int classLine = source.FindIndex(line => line.StartsWith("public sealed class", StringComparison.Ordinal));
        source.Insert(classLine, "int broken = \"not a number\";\n");
        cell["source"] = new JsonArray([.. source.Select(line => (JsonNode)JsonValue.Create(line)!)]);
        string folder = _fixture.Submission("cd5678_hw1", ("hw1.ipynb", notebook.ToJsonString()));

        var report = _fixture.Grader.Grade("hw1-mlp", folder);
        var error = report.CompilerMessages.Single(m => m.Severity == "error");
        Assert.Multiple(() =>
        {
            Assert.That(report.Outcome, Is.EqualTo(GradingOutcome.CompileFailed));
            Assert.That(error.File, Is.EqualTo("hw1.ipynb"));
            Assert.That(error.Cell, Is.EqualTo(5), "the fifth cell of the notebook, as Jupyter numbers them");
            Assert.That(error.Line, Is.EqualTo(classLine + 1));
            Assert.That(error.Id, Is.EqualTo("CS0029"));
            Assert.That(report.Summary, Does.Contain($"hw1.ipynb, cell 5, line {classLine + 1}"));
            Assert.That(report.Total, Is.Zero);
        });
    }

    [TestCase("throw new System.InvalidOperationException(\"plot failed\");", "threw InvalidOperationException: plot failed")]
    [TestCase("while (true) { }", "did not answer")]
    public void ANotebookWhoseOwnCellsFailIsReportedAndTheChecksStillRun(string topLevelCode, string expected)
    {
        var notebook = JsonNode.Parse(File.ReadAllText(Path.Combine(SolutionFolder("hw1-mlp"), "hw1.ipynb")))!;
        var cells = notebook["cells"]!.AsArray();
        var failing = JsonNode.Parse(cells[^1]!.ToJsonString())!;
        failing["source"] = new JsonArray(JsonValue.Create(topLevelCode));
        cells.Add(failing);
        var report = _fixture.Grader.Grade("hw1-mlp", _fixture.Submission("ef9012_hw1", ("hw1.ipynb", notebook.ToJsonString())));
        Assert.Multiple(() =>
        {
            Assert.That(report.NotebookRun, Is.Not.Null);
            Assert.That(report.NotebookRun!.Succeeded, Is.False);
            Assert.That(report.NotebookRun.Message, Does.Contain(expected));
            Assert.That(report.Total, Is.EqualTo(90m), "the checks run in a fresh sandbox of their own");
        });
    }

    [Test]
    public void TheModelSolutionNotebookRunsCleanly()
    {
        var report = _fixture.Grader.Grade("hw1-mlp", Path.Combine(SolutionFolder("hw1-mlp"), "hw1.ipynb"));
        Assert.That(report.NotebookRun?.Succeeded, Is.True, report.NotebookRun?.Message);
    }

    [Test]
    public void TheStarterScoresNothingAndSaysWhatIsMissing()
    {
        var report = _fixture.Grader.Grade("hw1-mlp", Path.Combine(GradingFixture.RepositoryRoot, "assignments", "hw1-mlp", "starter"));
        Assert.That(report.Total, Is.Zero);
        Assert.That(report.Items.Where(i => i.Kind == "auto").Select(i => i.Reason), Has.All.Contains("NotImplementedException"));
    }

    [Test]
    public void TheReportKeepsItsPublishedFieldNames()
    {
        var report = _fixture.Grader.Grade("hw1-mlp", Path.Combine(SolutionFolder("hw1-mlp"), "MultilayerPerceptron.cs"));
        var json = JsonNode.Parse(report.ToJson())!.AsObject();
        Assert.That(json.Select(p => p.Key), Is.SupersetOf(new[] { "schemaVersion", "assignment", "submission", "graderVersion", "total", "max", "items", "timings", "resources", "log" }));
        var item = json["items"]![0]!.AsObject();
        Assert.That(item.Select(p => p.Key), Is.SupersetOf(new[] { "id", "points", "max", "status", "reason" }));
        Assert.That(GradingReport.FromJson(report.ToJson()).Total, Is.EqualTo(report.Total));
    }
}
