using Grader.Reference.Checks;
using Grader.Reference.Tests.Support;

namespace Grader.Reference.Tests;

/// <summary>Every assignment's model solution scores full marks on every check of its suite (GAN bonus included).</summary>
public class ModelSolutionTests
{
    [TestCase("hw1-mlp")]
    [TestCase("hw2-cnn")]
    [TestCase("hw3-rnn")]
    public void ModelSolutionScoresFullMarks(string assignment)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = Grading.Run(assignment, SolutionSources.Read(assignment));
        TestContext.Progress.WriteLine($"[bench] {assignment}: full check on {TorchRuntime.PreferredDevice.type} took {clock.Elapsed.TotalSeconds:0.0} s (compile included)");

        Assert.That(results.Select(result => result.CheckId), Is.EqualTo(CheckCatalog.ForAssignment(assignment).Checks.Select(check => check.Id)));
        Assert.That(results, Has.All.Matches<CheckResult>(result => result.Status == CheckStatus.Passed && result.Fraction == 1),
            string.Join("\n", results.Select(result => $"{result.CheckId}: {result.Reason}")));
    }
}
