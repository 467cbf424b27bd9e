using Grader.Contracts;
using Grader.Reference.Data;
using Grader.Reference.Models;
using static TorchSharp.torch;

namespace Grader.Reference.Checks;

/// <summary>
/// HW1: the student's MLP against TorchSharp on the same weights and inputs: forward pass, cross-entropy, the
/// hand-written gradients (compared with autograd), the SGD step, and held-out accuracy after their own training.
/// </summary>
internal static class Hw1MlpChecks
{
    public const string AssignmentId = "hw1-mlp";

    /// <summary>Held-out accuracy a correct MLP reaches easily on the banded clinical points.</summary>
    public const double TargetAccuracy = 0.9;

    // Unequal layer widths, so a transposed weight or gradient shows up as a shape error.
    private const int InputSize = 5;
    private const int ClassCount = 4;
    private const int BatchSize = 9;
    private const float LearningRate = 0.1f;
    private static readonly int[] HiddenSizes = [7, 6];

    public static AssignmentCheckSuite Suite { get; } = new(AssignmentId, "HW1: Back-propagation and MLP",
    [
        Check.Of<IMultilayerPerceptron>("hw1.forward-pass", "Forward gives the reference logits for copied weights on a seeded batch", ForwardPass),
        Check.Of<IMultilayerPerceptron>("hw1.cross-entropy-loss", "CrossEntropyLoss matches torch's mean cross-entropy", CrossEntropyLoss),
        Check.Of<IMultilayerPerceptron>("hw1.weight-gradients", "Hand-written dL/dW of every layer matches autograd", WeightGradients),
        Check.Of<IMultilayerPerceptron>("hw1.bias-gradients", "Hand-written dL/db of every layer matches autograd", BiasGradients),
        Check.Of<IMultilayerPerceptron>("hw1.sgd-step", "Step moves every parameter by −learningRate × its gradient", SgdStep),
        Check.Of<IMultilayerPerceptron>("hw1.training-accuracy", $"After Train, held-out accuracy on the clinical-points task reaches {TargetAccuracy:P0}", TrainingAccuracy),
    ]);

    /// <summary>Seeded weights, biases, inputs and labels of the small network the exact checks use (all on the CPU).</summary>
    private sealed record Problem(Tensor[] Weights, Tensor[] Biases, Tensor Inputs, Tensor Labels)
    {
        public static Problem Create(long seed)
        {
            var generator = CheckHelpers.Generator(seed);
            int[] sizes = [InputSize, .. HiddenSizes, ClassCount];
            var weights = Enumerable.Range(0, sizes.Length - 1)
                .Select(layer => CheckHelpers.Normal(generator, sizes[layer + 1], sizes[layer]) * (1.5 / Math.Sqrt(sizes[layer]))).ToArray();
            var biases = Enumerable.Range(0, sizes.Length - 1).Select(layer => CheckHelpers.Normal(generator, sizes[layer + 1]) * 0.3).ToArray();
            return new Problem(weights, biases, CheckHelpers.Normal(generator, BatchSize, InputSize), CheckHelpers.Labels(generator, BatchSize, ClassCount));
        }

        public long[][] WeightShapes => [.. Weights.Select(weight => weight.shape)];

        public long[][] BiasShapes => [.. Biases.Select(bias => bias.shape)];
    }

    private static Verdict ForwardPass(CheckContext context)
    {
        var problem = Problem.Create(ReferenceSeeds.For("hw1.forward-pass"));
        var mlp = Prepared(context, problem);
        var logits = Answers.Floats(CheckContext.Call("Forward", () => mlp.Forward(CheckHelpers.ForStudent(problem.Inputs))),
            "the logits from Forward", [BatchSize, ClassCount]);

        var device = context.ReferenceDevice;
        var (weights, biases, inputs) = (CheckHelpers.On(problem.Weights, device), CheckHelpers.On(problem.Biases, device), problem.Inputs.to(device));
        var reference = ReferenceMlp.Forward(inputs, weights, biases);
        var difference = TensorComparison.Difference("Forward's output (the logits)", logits, reference, context.Float32Tolerance);
        if (difference is null)
        {
            return Verdict.Pass($"logits match the reference for a {InputSize}-{string.Join("-", HiddenSizes)}-{ClassCount} network on {BatchSize} inputs");
        }

        var tolerance = context.Float32Tolerance;
        var hint = TensorComparison.Close(logits, ReferenceMlp.Forward(inputs, weights, biases, reluOnOutput: true), tolerance)
                ? "; they match a network that applies ReLU to the output layer too: the last layer returns raw logits"
            : TensorComparison.Close(logits, reference.softmax(1), tolerance)
                ? "; they are the softmax probabilities: Forward returns the logits, before softmax"
            : TensorComparison.Close(logits, ReferenceMlp.Forward(inputs, weights, [.. biases.Select(bias => bias * 0)]), tolerance)
                ? "; they match a network without biases: add b in every layer"
            : "";
        return Verdict.Fail(difference + hint);
    }

    private static Verdict CrossEntropyLoss(CheckContext context)
    {
        var generator = CheckHelpers.Generator(ReferenceSeeds.For("hw1.cross-entropy-loss"));
        // One large logit (e^100 overflows float32) catches a softmax computed without subtracting the row maximum.
        var logits = CheckHelpers.Normal(generator, BatchSize, ClassCount) * 3;
        logits[0, 1] = tensor(100f);
        var labels = CheckHelpers.Labels(generator, BatchSize, ClassCount);
        var mlp = context.Create<IMultilayerPerceptron>();
        CheckContext.Call("Initialize", () => mlp.Initialize(InputSize, HiddenSizes, ClassCount, 1));
        var loss = Answers.Scalar(CheckContext.Call("CrossEntropyLoss",
            () => mlp.CrossEntropyLoss(CheckHelpers.ForStudent(logits), CheckHelpers.ForStudent(labels))), "the loss from CrossEntropyLoss");

        var reference = nn.functional.cross_entropy(logits.to(context.ReferenceDevice), labels.to(context.ReferenceDevice));
        var difference = TensorComparison.Difference("The loss", loss, reference, context.Float32Tolerance);
        return difference is null
            ? Verdict.Pass($"the mean cross-entropy of {BatchSize} examples matches torch's cross_entropy")
            : Verdict.Fail(difference + TensorComparison.ScaleHint(loss, reference, BatchSize));
    }

    private static Verdict WeightGradients(CheckContext context) => Gradients(context, "hw1.weight-gradients", weightsNotBiases: true);

    private static Verdict BiasGradients(CheckContext context) => Gradients(context, "hw1.bias-gradients", weightsNotBiases: false);

    private static Verdict Gradients(CheckContext context, string checkId, bool weightsNotBiases)
    {
        var problem = Problem.Create(ReferenceSeeds.For(checkId));
        var mlp = Prepared(context, problem);
        CheckContext.Call("Backward", () => mlp.Backward(CheckHelpers.ForStudent(problem.Inputs), CheckHelpers.ForStudent(problem.Labels)));
        var (method, symbol, shapes) = weightsNotBiases
            ? ("GetWeightGradients", "dL/dW", problem.WeightShapes)
            : ("GetBiasGradients", "dL/db", problem.BiasShapes);
        var answer = CheckContext.Call(method, () => weightsNotBiases ? mlp.GetWeightGradients() : mlp.GetBiasGradients());
        var gradients = Answers.FloatArray(answer, $"{symbol} from {method}", shapes);

        var (referenceWeightGradients, referenceBiasGradients) = ReferenceMlp.Gradients(
            problem.Inputs.to(context.ReferenceDevice), problem.Labels.to(context.ReferenceDevice),
            CheckHelpers.On(problem.Weights, context.ReferenceDevice), CheckHelpers.On(problem.Biases, context.ReferenceDevice));
        var reference = weightsNotBiases ? referenceWeightGradients : referenceBiasGradients;

        var failures = new List<string?>();
        for (var layer = 0; layer < gradients.Length; layer++)
        {
            var name = $"{symbol}{layer + 1}";
            var difference = TensorComparison.Difference(name, gradients[layer], reference[layer], context.Float32Tolerance);
            failures.Add(difference is null ? null : difference + LayerHint(gradients[layer], reference[layer], context.Float32Tolerance));
        }

        var lastLayerOnlyCorrect = failures[^1] is null && failures.Take(failures.Count - 1).All(failure => failure is not null);
        var verdict = Verdict.FromCases(failures, $"{symbol} of all {gradients.Length} layers match autograd (layer 1 is the input side)");
        return lastLayerOnlyCorrect && gradients.Length > 1
            ? verdict with { Reason = verdict.Reason + $". The last layer's {symbol} is right, so the error is in back-propagating through the hidden layers: check the ReLU derivative and the product with the next layer's weights" }
            : verdict;
    }

    private static string LayerHint(Tensor student, Tensor reference, Tolerance tolerance)
    {
        var scale = TensorComparison.ScaleHint(student, reference, BatchSize);
        if (scale.Length > 0)
        {
            return scale;
        }

        return student.dim() == 2 && student.shape[0] == student.shape[1] && TensorComparison.Close(student, reference.T, tolerance)
            ? "; it equals the transpose of the reference (gradients are [out, in], like the weights)"
            : "";
    }

    private static Verdict SgdStep(CheckContext context)
    {
        var problem = Problem.Create(ReferenceSeeds.For("hw1.sgd-step"));
        var mlp = Prepared(context, problem);
        CheckContext.Call("Backward", () => mlp.Backward(CheckHelpers.ForStudent(problem.Inputs), CheckHelpers.ForStudent(problem.Labels)));
        // The step is judged against the student's own gradients, so a gradient bug costs the gradient items, not this one.
        var weightGradients = Answers.FloatArray(CheckContext.Call("GetWeightGradients", mlp.GetWeightGradients), "dL/dW from GetWeightGradients", problem.WeightShapes);
        var biasGradients = Answers.FloatArray(CheckContext.Call("GetBiasGradients", mlp.GetBiasGradients), "dL/db from GetBiasGradients", problem.BiasShapes);
        CheckContext.Call("Step", () => mlp.Step(LearningRate));
        var weights = Answers.FloatArray(CheckContext.Call("GetWeights", mlp.GetWeights), "the weights from GetWeights after Step", problem.WeightShapes);
        var biases = Answers.FloatArray(CheckContext.Call("GetBiases", mlp.GetBiases), "the biases from GetBiases after Step", problem.BiasShapes);

        var tolerance = context.Float32Tolerance.Loosened(10);
        var failures = new List<string?>();
        for (var layer = 0; layer < weights.Length; layer++)
        {
            failures.Add(StepFailure($"W{layer + 1}", weights[layer], problem.Weights[layer], weightGradients[layer], tolerance));
            failures.Add(StepFailure($"b{layer + 1}", biases[layer], problem.Biases[layer], biasGradients[layer], tolerance));
        }

        return Verdict.FromCases(failures, $"after Step({LearningRate}) every parameter equals p − {LearningRate}·dL/dp with your gradients");
    }

    private static string? StepFailure(string name, Tensor after, Tensor before, Tensor gradient, Tolerance tolerance)
    {
        var expected = before - (gradient * LearningRate);
        var difference = TensorComparison.Difference($"{name} after Step", after, expected, tolerance);
        if (difference is null)
        {
            return null;
        }

        var hint = TensorComparison.Close(after, before + (gradient * LearningRate), tolerance) ? "; it moved along +gradient: subtract learningRate·gradient"
            : TensorComparison.Close(after, before, tolerance) ? "; it did not change: Step must update the parameters Forward uses"
            : "";
        return difference + hint;
    }

    private static Verdict TrainingAccuracy(CheckContext context)
    {
        var seed = ReferenceSeeds.For("hw1.training-accuracy");
        var training = ClinicalPoints.Generate(600, seed);
        var heldOut = ClinicalPoints.Generate(300, seed + 1);
        var mlp = context.Create<IMultilayerPerceptron>();
        CheckContext.Call("Initialize", () => mlp.Initialize(ClinicalPoints.FeatureCount, [32, 32], ClinicalPoints.ClassCount, seed));
        CheckContext.Call("Train", () => mlp.Train(CheckHelpers.ForStudent(training.Inputs), CheckHelpers.ForStudent(training.Labels)));
        var predictions = Answers.ClassIndices(CheckContext.Call("Predict", () => mlp.Predict(CheckHelpers.ForStudent(heldOut.Inputs))),
            "the output of Predict", heldOut.Count, ClinicalPoints.ClassCount);
        return CheckHelpers.Accuracy(predictions, heldOut.Labels, TargetAccuracy, ClinicalPoints.ClassCount, "the clinical-points task");
    }

    /// <summary>A fresh student MLP of the check's shape holding the problem's weights.</summary>
    private static IMultilayerPerceptron Prepared(CheckContext context, Problem problem)
    {
        var mlp = context.Create<IMultilayerPerceptron>();
        CheckContext.Call("Initialize", () => mlp.Initialize(InputSize, HiddenSizes, ClassCount, 1));
        CheckContext.Call("SetParameters", () => mlp.SetParameters(CheckHelpers.ForStudent(problem.Weights), CheckHelpers.ForStudent(problem.Biases)));
        return mlp;
    }
}
