using Grader.Contracts;
using Grader.Reference.Data;
using Grader.Reference.Models;
using static TorchSharp.torch;

namespace Grader.Reference.Checks;

/// <summary>
/// HW3: the student's LSTM cell against <c>torch.nn.LSTMCell</c> with copied weights (cell state and hidden state
/// separately), the held-out accuracy of their recurrent ECG classifier, and the GAN checks as the bonus part.
/// </summary>
internal static class Hw3RnnChecks
{
    public const string AssignmentId = "hw3-rnn";

    /// <summary>Held-out accuracy a small LSTM reaches on the ECG strips within a few seconds of training.</summary>
    public const double TargetAccuracy = 0.85;

    /// <summary>Samples per ECG strip.</summary>
    public const int StripLength = 72;

    private const int InputSize = 3;
    private const int HiddenSize = 5;
    private const int BatchSize = 4;
    private static readonly string[] GateNames = ["i", "f", "g", "o"];

    public static AssignmentCheckSuite Suite { get; } = new(AssignmentId, "HW3: Recurrent networks (GAN bonus)",
    [
        Check.Of<ILstmCell>("hw3.lstm-cell-state", "Forward's next cell state c′ matches torch's LSTMCell with copied weights, from zero and from random states",
            context => LstmStep(context, "hw3.lstm-cell-state", cellNotHidden: true)),
        Check.Of<ILstmCell>("hw3.lstm-hidden-state", "Forward's next hidden state h′ matches torch's LSTMCell with copied weights, from zero and from random states",
            context => LstmStep(context, "hw3.lstm-hidden-state", cellNotHidden: false)),
        Check.Of<ISequenceClassifier>("hw3.sequence-accuracy", $"After Train, held-out accuracy on ECG strips (sinus rhythm vs premature ventricular beats) reaches {TargetAccuracy:P0}, also when trained afresh with the two classes swapped", SequenceAccuracy),
        .. GanChecks.All,
    ]);

    /// <summary>
    /// Proves: one step of the cell equals torch's LSTMCell with the grader's weights, from zero and from random
    /// states, so gate order and every non-linearity are checked. Does not prove anything about training.
    /// </summary>
    private static Verdict LstmStep(CheckContext context, string checkId, bool cellNotHidden)
    {
        var generator = CheckHelpers.Generator(ReferenceSeeds.For(checkId));
        var scale = 1 / Math.Sqrt(HiddenSize);
        var weightIh = CheckHelpers.Normal(generator, 4 * HiddenSize, InputSize) * scale;
        var weightHh = CheckHelpers.Normal(generator, 4 * HiddenSize, HiddenSize) * scale;
        var biasIh = CheckHelpers.Normal(generator, 4 * HiddenSize) * scale;
        var biasHh = CheckHelpers.Normal(generator, 4 * HiddenSize) * scale;
        var cell = context.Create<ILstmCell>();
        CheckContext.Call("SetParameters", () => cell.SetParameters(CheckHelpers.ForStudent(weightIh), CheckHelpers.ForStudent(weightHh), CheckHelpers.ForStudent(biasIh), CheckHelpers.ForStudent(biasHh)));

        var failures = new List<string?>();
        foreach (var fromZero in new[] { true, false })
        {
            var input = CheckHelpers.Normal(generator, BatchSize, InputSize);
            var hidden = fromZero ? zeros(BatchSize, HiddenSize) : CheckHelpers.Normal(generator, BatchSize, HiddenSize) * 0.5;
            var state = fromZero ? zeros(BatchSize, HiddenSize) : CheckHelpers.Normal(generator, BatchSize, HiddenSize);
            var answer = Answers.FloatArray(
                CheckContext.Call("Forward", () => cell.Forward(CheckHelpers.ForStudent(input), CheckHelpers.ForStudent(hidden), CheckHelpers.ForStudent(state))),
                "the [h′, c′] from Forward", [[BatchSize, HiddenSize], [BatchSize, HiddenSize]]);
            var student = cellNotHidden ? answer[1] : answer[0];

            var device = context.ReferenceDevice;
            Tensor[] weights = [.. CheckHelpers.On([weightIh, weightHh, biasIh, biasHh], device)];
            var (onDevice, hiddenOnDevice, stateOnDevice) = (input.to(device), hidden.to(device), state.to(device));
            var (referenceHidden, referenceCell) = ReferenceLstm.TorchCell(onDevice, hiddenOnDevice, stateOnDevice, weights[0], weights[1], weights[2], weights[3]);
            var name = cellNotHidden ? "c′" : "h′";
            var startingFrom = fromZero ? "from zero h and c" : "from random h and c";
            var difference = TensorComparison.Difference($"{startingFrom}, {name}", student, cellNotHidden ? referenceCell : referenceHidden, context.Float32Tolerance);
            failures.Add(difference is null ? null : difference + LstmHint(student, cellNotHidden, context, onDevice, hiddenOnDevice, stateOnDevice, weights));
        }

        return Verdict.FromCases(failures, $"{(cellNotHidden ? "c′" : "h′")} matches torch's LSTMCell from zero and from random states");
    }

    /// <summary>Names the mistake when the student's value equals a known-wrong variant of the cell.</summary>
    private static string LstmHint(Tensor student, bool cellNotHidden, CheckContext context, Tensor input, Tensor hidden, Tensor cell, Tensor[] weights)
    {
        var tolerance = context.Float32Tolerance;
        bool Matches((Tensor Hidden, Tensor Cell) candidate) => TensorComparison.Close(student, cellNotHidden ? candidate.Cell : candidate.Hidden, tolerance);

        foreach (var (mistake, advice) in new[]
        {
            (LstmMistake.ForgetGateInverted, "it matches c′ = (1 − f)·c + i·g: the forget gate f multiplies the old cell state directly, c′ = f·c + i·g"),
            (LstmMistake.NoTanhOnCellOutput, "it matches h′ = o·c′: squash the new cell state first, h′ = o·tanh(c′)"),
            (LstmMistake.SigmoidCandidate, "it matches a cell candidate g computed with sigmoid: g uses tanh"),
            (LstmMistake.HiddenBiasMissing, "it matches a cell without bias_hh: add both biases"),
        })
        {
            if (Matches(ReferenceLstm.Formula(input, hidden, cell, weights[0], weights[1], weights[2], weights[3], mistake)))
            {
                return "; " + advice;
            }
        }

        foreach (var order in Permutations([0, 1, 2, 3]).Where(order => !order.SequenceEqual([0, 1, 2, 3])))
        {
            var permuted = weights.Select(weight => ReferenceLstm.PermuteGates(weight, order)).ToArray();
            if (Matches(ReferenceLstm.TorchCell(input, hidden, cell, permuted[0], permuted[1], permuted[2], permuted[3])))
            {
                // Torch's gate k read block order[k], so the student treats block order[k] as gate k.
                var readAs = new string[4];
                for (var gate = 0; gate < 4; gate++)
                {
                    readAs[order[gate]] = GateNames[gate];
                }

                return $"; it matches an LSTMCell that reads the four row blocks as gates {string.Join(", ", readAs)}: torch stacks them as i, f, g, o";
            }
        }

        return "";
    }

    private static IEnumerable<int[]> Permutations(int[] items) => items.Length <= 1
        ? [items]
        : items.SelectMany(first => Permutations([.. items.Where(item => item != first)]).Select(rest => (int[])[first, .. rest]));

    /// <summary>
    /// Proves: a recurrent classifier trained by the student's Train predicts unseen ECG strips well, and Predict's
    /// answers come from what Train learned: two fresh classifiers (same seed) are trained, on the labels as given and
    /// with the classes swapped, and the lower held-out accuracy is scored (<see cref="CheckHelpers.LearnedAccuracy"/>),
    /// so a hand-written rhythm rule with a Train that learns nothing gets 0. Does not prove the model is recurrent (the
    /// contract exposes no parameters; the notebook's items are the TA's).
    /// </summary>
    private static Verdict SequenceAccuracy(CheckContext context)
    {
        var seed = ReferenceSeeds.For("hw3.sequence-accuracy");
        var training = EcgStrips.Generate(400, StripLength, seed);
        var heldOut = EcgStrips.Generate(200, StripLength, seed + 1);
        return CheckHelpers.LearnedAccuracy(training, heldOut, TargetAccuracy, "the ECG strips", labels =>
        {
            var classifier = context.Create<ISequenceClassifier>();
            CheckContext.Call("Initialize", () => classifier.Initialize(1, EcgStrips.ClassCount, seed));
            CheckContext.Call("Train", () => classifier.Train(CheckHelpers.ForStudent(training.Inputs), CheckHelpers.ForStudent(labels)));
            return Answers.ClassIndices(CheckContext.Call("Predict", () => classifier.Predict(CheckHelpers.ForStudent(heldOut.Inputs))),
                "the output of Predict", heldOut.Count, EcgStrips.ClassCount);
        });
    }
}
