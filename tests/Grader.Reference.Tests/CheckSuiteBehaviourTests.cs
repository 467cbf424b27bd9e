using Grader.Contracts;
using Grader.Reference.Checks;
using Grader.Reference.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Grader.Reference.Tests;

/// <summary>How the suites treat code that throws, is missing, or answers with garbage: per item, with a reason, never an exception.</summary>
public class CheckSuiteBehaviourTests
{
    [TestCase("hw1-mlp")]
    [TestCase("hw2-cnn")]
    [TestCase("hw3-rnn")]
    public void StarterCodeCompilesAndEveryItemReportsTheUnimplementedMethod(string assignment)
    {
        var results = Grading.Run(assignment, SolutionSources.Read(assignment, "starter"));

        Assert.That(results, Has.Count.EqualTo(CheckCatalog.ForAssignment(assignment).Checks.Count));
        Assert.That(results, Has.All.Matches<CheckResult>(result => result.Fraction == 0 && result.Status == CheckStatus.NotAnswered));
        Assert.That(results.Select(result => result.Reason), Has.All.Match(@"^your \w+ threw NotImplementedException: \w+"));
    }

    [Test]
    public void AMissingClassIsNotAnsweredOnceThenSkipped()
    {
        var results = CheckCatalog.ForAssignment("hw1-mlp").Run(new FixedStudentCode());

        Assert.That(results[0].Status, Is.EqualTo(CheckStatus.NotAnswered));
        Assert.That(results[0].Reason, Does.Contain("could not create your IMultilayerPerceptron").And.Contain("nothing implements"));
        Assert.That(results.Skip(1), Has.All.Matches<CheckResult>(result => result.Status == CheckStatus.Skipped && result.Reason.StartsWith("not run: could not create", StringComparison.Ordinal)));
    }

    [Test]
    public void NullAndNonFiniteAnswersFailWithTheMethodNamed()
    {
        var results = CheckCatalog.ForAssignment("hw2-cnn").Run(new FixedStudentCode(new NaNConvolution()), ["hw2.conv2d-basic", "hw2.conv2d-channels"]);

        Assert.That(results.Select(result => result.Status), Is.EqualTo(new[] { CheckStatus.Failed, CheckStatus.Failed }));
        Assert.That(results[0].Reason, Does.Contain("the output of Forward").And.Contain("contains NaN at [0, 0, 0, 0]"));
        Assert.That(results[1].Reason, Does.Contain("the output of Forward").And.Contain("is null"));
    }

    [Test]
    public void ClassIndicesReturnedAsScoresAreRejectedWithAdvice()
    {
        var results = CheckCatalog.ForAssignment("hw2-cnn").Run(new FixedStudentCode(new ScoresInsteadOfClasses()), ["hw2.cnn-accuracy"]);

        Assert.That(results.Single().Status, Is.EqualTo(CheckStatus.Failed));
        Assert.That(results.Single().Reason, Does.Contain("one score per class").And.Contain("argmax over dim 1"));
    }

    [Test]
    public void AStudentsMessageThatSaysGraderErrorIsNotAGraderFault()
    {
        var results = CheckCatalog.ForAssignment("hw2-cnn").Run(new ForgingStudentCode(), ["hw2.conv2d-basic", "hw2.conv2d-channels"]);

        Assert.That(results, Has.None.Matches<CheckResult>(result => result.IsGraderFault));
        Assert.That(results[0].Status, Is.EqualTo(CheckStatus.NotAnswered));
    }

    [Test]
    public void AnUnknownCheckIdIsAConfigurationErrorNamingTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => CheckCatalog.ForAssignment("hw1-mlp").Run(new FixedStudentCode(), ["hw1.nope"]));
        Assert.That(error!.Message, Does.Contain("hw1.nope").And.Contain("hw1.forward-pass"));
    }

    [Test]
    public void RepeatedChecksKeepTheNumberOfLiveTensorsFlat()
    {
        // The convolution keeps no state, so every tensor of a run is the grader's own or lives in the check's scope;
        // the flipped-kernel variant also drives the failure path, which computes extra references for its hints.
        var sources = SolutionSources.Read("hw2-cnn");
        var correct = new AssemblyStudentCode(StudentCompiler.Compile("hw2-memory", sources.Files));
        var flipped = new AssemblyStudentCode(StudentCompiler.Compile("hw2-memory-flipped",
            sources.WithBug("Convolution2d.cs", "var tap = weight[.., .., dy, dx];", "var tap = weight[.., .., kernelHeight - 1 - dy, kernelWidth - 1 - dx];").Files));
        var suite = CheckCatalog.ForAssignment("hw2-cnn");
        var convolutionChecks = Grading.ChecksOf("hw2-cnn", typeof(IConvolution2d));

        long LiveAfter(int runs)
        {
            for (var run = 0; run < runs; run++)
            {
                Assert.That(suite.Run(correct, convolutionChecks), Has.All.Property(nameof(CheckResult.Status)).EqualTo(CheckStatus.Passed));
                Assert.That(suite.Run(flipped, convolutionChecks), Has.All.Property(nameof(CheckResult.Status)).EqualTo(CheckStatus.Failed));
            }

            return DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        }

        var afterWarmUp = LiveAfter(10);
        var afterMany = LiveAfter(200);
        TestContext.Out.WriteLine($"live tensors after 10 runs: {afterWarmUp}, after 210: {afterMany}");
        Assert.That(afterMany, Is.EqualTo(afterWarmUp), "tensors leak per check run");
    }

    /// <summary>Hands out fixed objects; asking for any other contract fails as the runner would.</summary>
    private sealed class FixedStudentCode(params object[] instances) : IStudentCode
    {
        public T Create<T>() where T : class =>
            instances.OfType<T>().FirstOrDefault() ?? throw new InvalidOperationException($"nothing implements {typeof(T).Name}");
    }

    /// <summary>Answers NaN for a single input channel and null otherwise.</summary>
    private sealed class NaNConvolution : IConvolution2d
    {
        public Tensor Forward(Tensor input, Tensor weight, Tensor bias, int stride, int padding) =>
            input.shape[1] == 1 ? full(input.shape[0], weight.shape[0], input.shape[2] - weight.shape[2] + 1, input.shape[3] - weight.shape[3] + 1, float.NaN) : null!;
    }

    /// <summary>Predicts class scores instead of class indices.</summary>
    private sealed class ScoresInsteadOfClasses : ICnnClassifier
    {
        public void Initialize(int channels, int height, int width, int classCount, long seed)
        {
        }

        public void Train(Tensor images, Tensor labels)
        {
        }

        public Tensor Predict(Tensor images) => zeros(images.shape[0], 2);
    }

    /// <summary>Student code whose failure reads like the grader's own.</summary>
    private sealed class ForgingStudentCode : IStudentCode
    {
        public T Create<T>() where T : class
            => throw new RemoteStudentCodeException("grader error, not your fault: the check could not run; the course staff will look at it");
    }
}
