using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Grader.Core.Reports;
using Grader.Runner.Tests.Grading;

namespace Grader.Runner.Tests.Notebooks;

/// <summary>
/// Notebooks written the way students write them, graded through the whole pipeline: a first draft of each class
/// (the starter's), a cell that shows the draft as a bare expression, the class defined again with the fix (the
/// solution's), the try-it cells, and a training cell that ends with <c>losses</c>. They must score exactly the auto
/// points of the model solution.
/// </summary>
[Category("Sandbox")]
[NonParallelizable]
public partial class StudentStyleNotebookTests
{
    private GradingFixture _fixture = null!;

    [OneTimeSetUp]
    public void StartCourse() => _fixture = new GradingFixture(wallSeconds: 60);

    [OneTimeTearDown]
    public void RemoveCourse() => _fixture.Dispose();

    [TestCase("hw1-mlp", "hw1")]
    [TestCase("hw2-cnn", "hw2")]
    [TestCase("hw3-rnn", "hw3")]
    public void AStudentStyleNotebookScoresTheModelSolutionsAutoPoints(string assignment, string homework)
    {
        string notebook = StudentStyleNotebook(assignment, homework);
        var student = _fixture.Grader.Grade(assignment, _fixture.Submission($"st1234_{homework}", ($"{homework}.ipynb", notebook)));
        var model = _fixture.Grader.Grade(assignment, Path.Combine(GradingFixture.RepositoryRoot, "assignments", assignment, "solution"));
        Assert.Multiple(() =>
        {
            Assert.That(student.Outcome, Is.EqualTo(GradingOutcome.Graded), student.Summary);
            Assert.That(AutoPoints(student), Is.EqualTo(AutoPoints(model)), string.Join("\n", student.Items.Select(i => $"{i.Id}: {i.Reason}")));
            Assert.That(AutoPoints(student), Is.EqualTo(student.Items.Where(i => i.Kind == "auto").Sum(i => i.Max)));
            Assert.That(student.Notes, Has.Some.Contains("graded class for").And.Contains("(the last definition in the notebook)"));
            if (_fixture.Course.Assignment(assignment).Resources?.NotebookSeconds is not null)
            {
                Assert.That(student.NotebookRun?.Succeeded, Is.True, student.NotebookRun?.Message);
            }
        });
    }

    private static decimal AutoPoints(GradingReport report) => report.Items.Where(i => i.Kind == "auto").Sum(i => i.Points);

    /// <summary>Builds the student's notebook from the assignment's shipped starter and solution notebooks.</summary>
    internal static string StudentStyleNotebook(string assignment, string homework)
    {
        string folder = Path.Combine(GradingFixture.RepositoryRoot, "assignments", assignment);
        var starter = CodeCells(Path.Combine(folder, "starter", $"{homework}.ipynb"));
        var solution = CodeCells(Path.Combine(folder, "solution", $"{homework}.ipynb"));
        var notebook = new NotebookJson().Markdown($"# {homework}: my notebook");
        notebook.Code(solution.First(cell => cell.Contains("#r ", StringComparison.Ordinal)));
        int draft = 0;
        foreach (var cell in starter.Where(IsClassCell))
        {
            notebook.Code(cell);
            draft++;
            notebook.Code($"var draft{draft} = new {ClassName().Match(cell).Groups[1].Value}();\ndraft{draft}");
        }

        notebook.Markdown("## Fixed after the first test");
        foreach (var cell in solution.Where(IsClassCell))
        {
            notebook.Code(cell);
        }

        foreach (var cell in solution.Where(cell => !IsClassCell(cell) && !cell.Contains("#r ", StringComparison.Ordinal)))
        {
            notebook.Code(cell);
        }

        notebook.Code(assignment == "hw1-mlp" ? Hw1TrainingCell : GenericTrainingCell);
        return notebook.ToString();
    }

    private const string Hw1TrainingCell = """
        // My own training loop, to plot the loss curve.
        var losses = new List<float>();
        var net = new MultilayerPerceptron();
        net.Initialize(2, new[] { 8 }, 2, seed: 3);
        var xs = randn(new long[] { 64, 2 }, generator: new Generator(3));
        var ys = (xs.square().sum(dim: 1) > 1.0).to(ScalarType.Int64);
        for (int epoch = 0; epoch < 5; epoch++)
        {
            losses.Add(net.CrossEntropyLoss(net.Forward(xs), ys).item<float>());
            net.Backward(xs, ys);
            net.Step(0.1f);
        }
        losses
        """;

    private const string GenericTrainingCell = """
        var losses = new List<float>();
        for (int epoch = 1; epoch <= 3; epoch++)
        {
            losses.Add(1f / epoch);
        }
        losses
        """;

    private static bool IsClassCell(string cell) => ClassName().IsMatch(cell);

    private static List<string> CodeCells(string path)
        => [.. JsonNode.Parse(File.ReadAllText(path))!["cells"]!.AsArray()
            .Where(cell => cell!["cell_type"]!.GetValue<string>() == "code")
            .Select(cell => string.Concat(cell!["source"]!.AsArray().Select(line => line!.GetValue<string>())))];

    [GeneratedRegex(@"public sealed class (\w+)\s*:")]
    private static partial Regex ClassName();
}
