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
}
