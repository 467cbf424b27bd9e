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

    /// <summary>
    /// Proves: after Backward, Step(η) moved every weight and bias by exactly −η·g, where g is the student's OWN
    /// gradient (so a gradient bug is not counted twice; weight gradients laid out [in, out] are accepted when Step
    /// applies them consistently), and g is non-zero: η is scaled up from the reference gradients until every
    /// parameter's reference update is far above the tolerance, and a parameter whose own update would still be lost in
    /// the tolerance (an all-zero gradient) fails, so zero gradients with a Step that does nothing get nothing.
    /// Does not prove: that the gradients are right (the gradient items do that).
    /// </summary>
    private static Verdict SgdStep(CheckContext context)
    {
        var problem = Problem.Create(ReferenceSeeds.For("hw1.sgd-step"));
        var learningRate = StepLearningRate(context, problem);
        var mlp = Prepared(context, problem);
        CheckContext.Call("Backward", () => mlp.Backward(CheckHelpers.ForStudent(problem.Inputs), CheckHelpers.ForStudent(problem.Labels)));
        var rawWeightGradients = CheckContext.Call("GetWeightGradients", mlp.GetWeightGradients);
        // A layout transposed to [in, out] is the student's own choice as long as Step applies it the same way.
        var transposed = problem.WeightShapes.Select((shape, layer) => rawWeightGradients is { } raw && layer < raw.Length && raw[layer] is { } gradient
            && shape[0] != shape[1] && gradient.shape.SequenceEqual(new[] { shape[1], shape[0] })).ToArray();
        var weightGradients = Answers.FloatArray(rawWeightGradients, "dL/dW from GetWeightGradients",
                [.. problem.WeightShapes.Select((shape, layer) => transposed[layer] ? new[] { shape[1], shape[0] } : shape)])
            .Select((gradient, layer) => transposed[layer] ? gradient.t().contiguous() : gradient).ToArray();
        var biasGradients = Answers.FloatArray(CheckContext.Call("GetBiasGradients", mlp.GetBiasGradients), "dL/db from GetBiasGradients", problem.BiasShapes);
        CheckContext.Call("Step", () => mlp.Step(learningRate));
        var weights = Answers.FloatArray(CheckContext.Call("GetWeights", mlp.GetWeights), "the weights from GetWeights after Step", problem.WeightShapes);
        var biases = Answers.FloatArray(CheckContext.Call("GetBiases", mlp.GetBiases), "the biases from GetBiases after Step", problem.BiasShapes);

        var tolerance = context.Float32Tolerance.Loosened(10);
        var failures = new List<string?>();
        for (var layer = 0; layer < weights.Length; layer++)
        {
            failures.Add(StepFailure($"W{layer + 1}", weights[layer], problem.Weights[layer], weightGradients[layer], learningRate, tolerance));
            failures.Add(StepFailure($"b{layer + 1}", biases[layer], problem.Biases[layer], biasGradients[layer], learningRate, tolerance));
        }

        var layout = transposed.Any(t => t) ? " (your weight gradients are laid out [in, out]; Step applies them consistently)" : "";
        return Verdict.FromCases(failures, $"after Step({TensorComparison.G(learningRate)}) every parameter equals p − {TensorComparison.G(learningRate)}·dL/dp with your non-zero gradients{layout}");
    }

    /// <summary>
    /// The learning rate for the step check: at least the handout's 0.1, raised until every parameter's reference update
    /// η·max|g| is at least <see cref="VisibleStep"/>, so that a real step can never hide inside the tolerance.
    /// </summary>
    private static float StepLearningRate(CheckContext context, Problem problem)
    {
        var (weightGradients, biasGradients) = ReferenceMlp.Gradients(
            problem.Inputs.to(context.ReferenceDevice), problem.Labels.to(context.ReferenceDevice),
            CheckHelpers.On(problem.Weights, context.ReferenceDevice), CheckHelpers.On(problem.Biases, context.ReferenceDevice));
        var smallest = weightGradients.Concat(biasGradients).Min(gradient => gradient.abs().max().cpu().item<float>());
        return smallest <= 0 ? LearningRate : Math.Max(LearningRate, VisibleStep / smallest);
    }

    /// <summary>The least reference update per parameter in the step check: 50 times the loosened float32 tolerance on values near 1.</summary>
    private const float VisibleStep = 0.05f;

    private static string? StepFailure(string name, Tensor after, Tensor before, Tensor gradient, float learningRate, Tolerance tolerance)
    {
        var expected = before - (gradient * learningRate);
        if (TensorComparison.Close(expected, before, tolerance))
        {
            return $"d{(name[0] == 'W' ? "L/dW" : "L/db")}{name[1..]} from your Backward is zero (or too small for a step of {TensorComparison.G(learningRate)} to show), so Step cannot be shown to move {name}: the step is judged with your own non-zero gradients";
        }

        var difference = TensorComparison.Difference($"{name} after Step", after, expected, tolerance);
        if (difference is null)
        {
            return null;
        }

        var hint = TensorComparison.Close(after, before + (gradient * learningRate), tolerance) ? "; it moved along +gradient: subtract learningRate·gradient"
            : TensorComparison.Close(after, before, tolerance) ? "; it did not change: Step must update the parameters Forward uses"
            : "";
        return difference + hint;
    }

    /// <summary>
    /// Proves: the network the student trained predicts well. Train must change the parameters (GetWeights/GetBiases
    /// before and after differ) and what Forward computes on the held-out inputs, and Predict must be the arg-max of
    /// that trained Forward on every held-out input (near-ties aside); then credit is linear in held-out accuracy. A
    /// hand-written rule in Predict, or a Train that does nothing, gets 0.
    /// Does not prove: that Forward is the reference network (forward-pass does that) or how Train got there.
    /// </summary>
    private static Verdict TrainingAccuracy(CheckContext context)
    {
        var seed = ReferenceSeeds.For("hw1.training-accuracy");
        var training = ClinicalPoints.Generate(600, seed);
        var heldOut = ClinicalPoints.Generate(300, seed + 1);
        int[] sizes = [ClinicalPoints.FeatureCount, 32, 32, ClinicalPoints.ClassCount];
        long[][] weightShapes = [.. sizes.Skip(1).Zip(sizes).Select(pair => new long[] { pair.First, pair.Second })];
        long[][] biasShapes = [.. sizes.Skip(1).Select(size => new long[] { size })];
        long[] logitShape = [heldOut.Count, ClinicalPoints.ClassCount];

        var mlp = context.Create<IMultilayerPerceptron>();
        CheckContext.Call("Initialize", () => mlp.Initialize(ClinicalPoints.FeatureCount, [32, 32], ClinicalPoints.ClassCount, seed));
        Tensor[] Parameters(string when) =>
        [
            .. Answers.FloatArray(CheckContext.Call("GetWeights", mlp.GetWeights), $"the weights from GetWeights {when}", weightShapes),
            .. Answers.FloatArray(CheckContext.Call("GetBiases", mlp.GetBiases), $"the biases from GetBiases {when}", biasShapes),
        ];
        var initial = Parameters("before Train");
        var initialLogits = Answers.Floats(CheckContext.Call("Forward", () => mlp.Forward(CheckHelpers.ForStudent(heldOut.Inputs))), "Forward's logits before Train", logitShape);
        CheckContext.Call("Train", () => mlp.Train(CheckHelpers.ForStudent(training.Inputs), CheckHelpers.ForStudent(training.Labels)));
        var trained = Parameters("after Train");
        var logits = Answers.Floats(CheckContext.Call("Forward", () => mlp.Forward(CheckHelpers.ForStudent(heldOut.Inputs))), "Forward's logits after Train", logitShape);
        var predictions = Answers.ClassIndices(CheckContext.Call("Predict", () => mlp.Predict(CheckHelpers.ForStudent(heldOut.Inputs))),
            "the output of Predict", heldOut.Count, ClinicalPoints.ClassCount);

        var unchanged = new Tolerance(1e-6, 1e-6);
        if (initial.Zip(trained).All(pair => TensorComparison.Close(pair.Second, pair.First, unchanged)))
        {
            return Verdict.Fail("Train left every weight and bias as Initialize set them: train the network with your Backward and Step");
        }

        if (TensorComparison.Close(logits, initialLogits, unchanged))
        {
            return Verdict.Fail("Train did not change what Forward computes on the held-out inputs: Forward must use the parameters Train updates");
        }

        // Predict must be the trained network's decision; where the top two logits tie, either class is its arg-max.
        var top = logits.topk(2, dim: 1).values;
        var decided = (top.select(1, 0) - top.select(1, 1)) > 1e-4;
        var disagree = (logits.argmax(1) != predictions).logical_and(decided);
        var disagreements = disagree.sum().item<long>();
        if (disagreements > 0)
        {
            var first = disagree.nonzero()[0, 0].item<long>();
            return Verdict.Fail($"Predict disagrees with the arg-max of Forward's logits on {disagreements} of {heldOut.Count} held-out inputs (first at [{first}]): Predict must return Forward(inputs).argmax(1) of the trained network");
        }

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
