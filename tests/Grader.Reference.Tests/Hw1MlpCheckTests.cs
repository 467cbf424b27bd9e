using Grader.Reference.Checks;
using Grader.Reference.Tests.Support;

namespace Grader.Reference.Tests;

/// <summary>HW1: each seeded bug loses exactly the items it should, with a reason naming the fault.</summary>
public class Hw1MlpCheckTests
{
    private const string Assignment = "hw1-mlp";
    private const string File = "MultilayerPerceptron.cs";


    private static readonly object[] SeededBugs =
    [
        new object[] { "bias gradient averaged twice", "Replace(biasGradients, layer, delta.sum(dim: 0));", "Replace(biasGradients, layer, delta.mean(new long[] { 0 }));",
            new[] { "hw1.bias-gradients" }, "1 / the batch size" },
        new object[] { "transposed weight gradient", "Replace(weightGradients, layer, delta.t().matmul(activations[layer]));", "Replace(weightGradients, layer, activations[layer].t().matmul(delta));",
            new[] { "hw1.sgd-step", "hw1.training-accuracy", "hw1.weight-gradients" }, "transposed" },
        new object[] { "ReLU derivative forgotten", "delta = delta.matmul(weights[layer]) * (activations[layer] > 0).to(ScalarType.Float32);", "delta = delta.matmul(weights[layer]);",
            new[] { "hw1.bias-gradients", "hw1.weight-gradients" }, "ReLU derivative" },
        new object[] { "loss summed instead of averaged", "return -logProbabilities.gather(1, labels.unsqueeze(1)).mean();", "return -logProbabilities.gather(1, labels.unsqueeze(1)).sum();",
            new[] { "hw1.cross-entropy-loss" }, "the batch size" },
        new object[] { "softmax without the max subtraction", "var logProbabilities = logits - logits.logsumexp(1, keepdim: true);", "var logProbabilities = (logits.exp() / logits.exp().sum(1, keepdim: true)).log();",
            new[] { "hw1.cross-entropy-loss" }, "contains NaN" },
        new object[] { "SGD step climbs the gradient", "weights[layer].sub_(weightGradients[layer] * learningRate);", "weights[layer].add_(weightGradients[layer] * learningRate);",
            new[] { "hw1.sgd-step", "hw1.training-accuracy" }, "+gradient" },
        new object[] { "ReLU on the output layer", "activations[layer + 1] = layer < weights.Length - 1 ? z.clamp_min(0) : z;", "activations[layer + 1] = z.clamp_min(0);",
            new[] { "hw1.bias-gradients", "hw1.forward-pass", "hw1.weight-gradients" }, "ReLU to the output layer" },
    ];

    [TestCaseSource(nameof(SeededBugs))]
    public void SeededBugLosesExactlyItsItems(string bug, string original, string replacement, string[] expectedDropped, string reasonMentions)
    {
        var results = Grading.Run(Assignment, SolutionSources.Read(Assignment).WithBug(File, original, replacement));

        Assert.That(Grading.Dropped(results), Is.EqualTo(expectedDropped), bug);
        Assert.That(results.Where(result => result.Fraction < 1).Select(result => result.Reason), Has.Some.Contains(reasonMentions), bug);
    }

    private const string WeightGradient = "Replace(weightGradients, layer, delta.t().matmul(activations[layer]));";
    private const string BiasGradient = "Replace(biasGradients, layer, delta.sum(dim: 0));";
    private const string WeightStep = "weights[layer].sub_(weightGradients[layer] * learningRate);";
    private const string BiasStep = "biases[layer].sub_(biasGradients[layer] * learningRate);";
    private const string TrainStart = "public void Train(Tensor inputs, Tensor labels)\n    {";
    private const string PredictBody = "return Forward(inputs).argmax(1).MoveToOuterDisposeScope();";
    private const string RadiusRule = "var radius = inputs.pow(2).sum(1).sqrt(); return ((radius > 1.2f).to(ScalarType.Int64) + (radius > 2.4f).to(ScalarType.Int64)).MoveToOuterDisposeScope();";

    private static double Fraction(IEnumerable<CheckResult> results, string checkId) => results.Single(result => result.CheckId == checkId).Fraction;

    private static string Reason(IEnumerable<CheckResult> results, string checkId) => results.Single(result => result.CheckId == checkId).Reason;

    [TestCase("0f", TestName = "Zero gradients and a Step that does nothing get no sgd-step points")]
    [TestCase("1e-7f", TestName = "Vanishing gradients and a Step that does nothing get no sgd-step points")]
    public void GradientsTooSmallToShowAStepGetNoStepPoints(string scale)
    {
        var sources = SolutionSources.Read(Assignment)
            .WithBug(File, WeightGradient, $"Replace(weightGradients, layer, ones_like(weights[layer]) * {scale});")
            .WithBug(File, BiasGradient, $"Replace(biasGradients, layer, ones_like(biases[layer]) * {scale});")
            .WithBug(File, WeightStep, "")
            .WithBug(File, BiasStep, "");
        var results = Grading.Run(Assignment, sources, ["hw1.sgd-step"]);

        Assert.That(Fraction(results, "hw1.sgd-step"), Is.Zero);
        Assert.That(Reason(results, "hw1.sgd-step"), Does.Contain("is zero (or too small"));
    }

    [Test]
    public void NonZeroGradientsWithAStepThatDoesNothingGetNoStepPoints()
    {
        var sources = SolutionSources.Read(Assignment).WithBug(File, WeightStep, "").WithBug(File, BiasStep, "");
        var results = Grading.Run(Assignment, sources, ["hw1.sgd-step"]);
        Assert.That(Fraction(results, "hw1.sgd-step"), Is.Zero);
        Assert.That(Reason(results, "hw1.sgd-step"), Does.Contain("it did not change"));
    }

    [Test]
    public void ATransposedButConsistentGradientLayoutLosesOnlyTheWeightGradientItem()
    {
        // The handout's rule: sgd-step and training judge the student's own gradients, so this bug counts once.
        var sources = SolutionSources.Read(Assignment)
            .WithBug(File, WeightGradient, "Replace(weightGradients, layer, activations[layer].t().matmul(delta));")
            .WithBug(File, WeightStep, "weights[layer].sub_(weightGradients[layer].t() * learningRate);");
        var results = Grading.Run(Assignment, sources);

        Assert.That(Grading.Dropped(results), Is.EqualTo(new[] { "hw1.weight-gradients" }));
        Assert.That(Reason(results, "hw1.sgd-step"), Does.Contain("laid out [in, out]"));
    }

    [Test]
    public void ARadiusRuleWithATrainThatDoesNothingGetsNoTrainingPoints()
    {
        var sources = SolutionSources.Read(Assignment)
            .WithBug(File, TrainStart, TrainStart + " return;")
            .WithBug(File, PredictBody, RadiusRule);
        var results = Grading.Run(Assignment, sources, ["hw1.training-accuracy"]);

        Assert.That(Fraction(results, "hw1.training-accuracy"), Is.Zero);
        Assert.That(Reason(results, "hw1.training-accuracy"), Does.Contain("Train left every weight and bias"));
    }

    [Test]
    public void ARadiusRuleInPredictWithATokenTrainGetsNoTrainingPoints()
    {
        // Train moves the parameters a little, but Predict answers from a hand-written rule, not from the network.
        var sources = SolutionSources.Read(Assignment)
            .WithBug(File, TrainStart, TrainStart + " Backward(inputs, labels); Step(1e-2f); return;")
            .WithBug(File, PredictBody, RadiusRule);
        var results = Grading.Run(Assignment, sources, ["hw1.training-accuracy"]);

        Assert.That(Fraction(results, "hw1.training-accuracy"), Is.Zero);
        Assert.That(Reason(results, "hw1.training-accuracy"), Does.Contain("Predict disagrees with the arg-max of Forward"));
    }

    [Test]
    public void ATrainThatKeepsForwardsOutputsGetsNoTrainingPoints()
    {
        // Parameters move, but Forward ignores them (it answers from copies made at Initialize).
        var sources = SolutionSources.Read(Assignment)
            .WithBug(File, "public Tensor Forward(Tensor inputs) => Activations(inputs)[^1];",
                "private (Tensor[], Tensor[])? frozen; public Tensor Forward(Tensor inputs) { frozen ??= (weights.Select(w => w.clone().DetachFromDisposeScope()).ToArray(), biases.Select(b => b.clone().DetachFromDisposeScope()).ToArray()); var saved = (weights, biases); (weights, biases) = frozen.Value; try { return Activations(inputs)[^1]; } finally { (weights, biases) = saved; } }");
        var results = Grading.Run(Assignment, sources, ["hw1.training-accuracy"]);

        Assert.That(Fraction(results, "hw1.training-accuracy"), Is.Zero);
        Assert.That(Reason(results, "hw1.training-accuracy"), Does.Contain("Train did not change what Forward computes"));
    }
}
