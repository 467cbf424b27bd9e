using Grader.Core.Reports;
using Grader.Runner.Tests.Grading;
using Grader.TestKit;

namespace Grader.Runner.Tests.Notebooks;

/// <summary>
/// Notebooks written the way students write them, graded through the whole pipeline: a first draft of each class
/// (the starter's), a cell that shows the draft as a bare expression, the class defined again with the fix (the
/// solution's), the try-it cells, and a training cell that ends with <c>losses</c>. They must score exactly the auto
/// points of the model solution.
/// </summary>
[Category("Sandbox")]
[NonParallelizable]
public class StudentStyleNotebookTests
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
        string notebook = StudentStyleNotebook.Build(Path.Combine(GradingFixture.RepositoryRoot, "assignments", assignment), homework);
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

    [Test]
    public void TwoClassesForOneContractAfterTheLastCellAreACompileFailureNamingBothCells()
    {
        string solution = GradingFixture.Hw1Solution;
        string notebook = new NotebookJson()
            .Code("using Grader.Contracts;\nusing TorchSharp;\nusing static TorchSharp.torch;")
            .Code(solution)
            .Markdown("my second try")
            .Code(solution.Replace("class MultilayerPerceptron", "class BetterPerceptron", StringComparison.Ordinal))
            .Build();
        var report = _fixture.Grader.Grade("hw1-mlp", _fixture.Submission("tw1234_hw1", ("hw1.ipynb", notebook)));
        Assert.Multiple(() =>
        {
            Assert.That(report.Outcome, Is.EqualTo(GradingOutcome.CompileFailed));
            Assert.That(report.Summary, Does.Contain("2 classes implement IMultilayerPerceptron after the last cell"));
            Assert.That(report.Summary, Does.Contain("MultilayerPerceptron (hw1.ipynb, cell 2, line "));
            Assert.That(report.Summary, Does.Contain("BetterPerceptron (hw1.ipynb, cell 4, line "));
        });
    }

    [Test]
    public void APackageTheCourseDoesNotProvideIsNamedWithItsCellWhenTheCodeNeedsIt()
    {
        string notebook = new NotebookJson()
            .Code("#r \"nuget: MathNet.Numerics, 5.0.0\"\nusing MathNet.Numerics.LinearAlgebra;")
            .Code("var m = Matrix<double>.Build.Dense(2, 2);")
            .Build();
        var report = _fixture.Grader.Grade("hw1-mlp", _fixture.Submission("mp1234_hw1", ("hw1.ipynb", notebook)));
        Assert.Multiple(() =>
        {
            Assert.That(report.Outcome, Is.EqualTo(GradingOutcome.CompileFailed));
            Assert.That(report.Summary, Does.Contain("packages the course does not provide").And.Contains("MathNet.Numerics (hw1.ipynb, cell 1, line 1)"));
        });
    }

    private static decimal AutoPoints(GradingReport report) => report.Items.Where(i => i.Kind == "auto").Sum(i => i.Points);

}
