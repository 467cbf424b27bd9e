using Grader.Reference.Data;
using static TorchSharp.torch;

namespace Grader.Reference.Checks;

/// <summary>Pieces every assignment's checks use: seeded inputs, copies for the student, accuracy scoring.</summary>
internal static class CheckHelpers
{
    /// <summary>A CPU generator for reference inputs, independent of the global seed student code may change.</summary>
    public static Generator Generator(long seed) => new Generator((ulong)seed, CPU);

    /// <summary>Standard normal float32 values on the CPU.</summary>
    public static Tensor Normal(Generator generator, params long[] shape) => randn(shape, ScalarType.Float32, generator: generator);

    /// <summary>Random class labels, int64 [count].</summary>
    public static Tensor Labels(Generator generator, long count, int classCount) => randint(classCount, [count], ScalarType.Int64, generator: generator);

    /// <summary>A detached CPU copy for the student: their side may keep it, change it in place or dispose it.</summary>
    public static Tensor ForStudent(Tensor tensor) => tensor.detach().cpu().clone();

    /// <inheritdoc cref="ForStudent(Tensor)"/>
    public static Tensor[] ForStudent(IEnumerable<Tensor> tensors) => [.. tensors.Select(ForStudent)];

    /// <summary>Copies on <paramref name="device"/> for the reference computation.</summary>
    public static Tensor[] On(IEnumerable<Tensor> tensors, Device device) => [.. tensors.Select(tensor => tensor.to(device))];

    /// <summary>
    /// Scores held-out accuracy: full credit at <paramref name="target"/>, none at chance level, linear in between.
    /// </summary>
    public static Verdict Accuracy(Tensor predictions, Tensor hiddenLabels, double target, int classCount, string task)
    {
        var correct = predictions.eq(hiddenLabels.cpu()).sum().item<long>();
        var total = hiddenLabels.shape[0];
        var accuracy = (double)correct / total;
        var chance = 1.0 / classCount;
        var summary = $"held-out accuracy on {task}: {accuracy:P1} ({correct} of {total} correct); target {target:P0}";
        if (accuracy >= target)
        {
            return Verdict.Pass(summary);
        }

        var predictedClasses = predictions.unique().Item1.shape[0];
        var collapse = predictedClasses == 1 ? "; every input got the same class, so training did not learn (learning rate, loss, or labels?)" : "";
        return Verdict.Partial((accuracy - chance) / (target - chance), summary + collapse);
    }

    /// <summary>
    /// Held-out accuracy of a model that must have learned it: <paramref name="trainThenPredict"/> builds a fresh model
    /// (same seed), trains it on the labels it is given and returns its int64 predictions on <paramref name="heldOut"/>.
    /// It runs twice, on the labels as given and with every class renamed to the next one (two classes: swapped), and
    /// each run is scored against the held-out labels renamed alike; credit is the lower run's. A rule written into
    /// Predict (a Train that learns nothing) answers the same both times, so its two accuracies add up to at most 1
    /// and the lower is at chance or below for two classes: no credit. What it does not prove: that the model is the
    /// network the assignment asks for (a hand-made feature whose sign Train learns would pass; the manual items look).
    /// </summary>
    public static Verdict LearnedAccuracy(LabelledSet training, LabelledSet heldOut, double target, string task, Func<Tensor, Tensor> trainThenPredict)
    {
        var classCount = training.ClassCount;
        Tensor Renamed(Tensor labels) => (labels + 1).remainder(classCount);
        var renaming = classCount == 2 ? "classes 0 and 1 swapped" : $"each class c renamed (c + 1) mod {classCount}";

        var asGiven = trainThenPredict(training.Labels);
        var renamed = trainThenPredict(Renamed(training.Labels));
        var first = Accuracy(asGiven, heldOut.Labels, target, classCount, task);
        if (asGiven.eq(renamed).all().item<bool>())
        {
            return Verdict.Fail($"Predict gave the same class for every held-out input after Train on the labels as given ({first.Reason}) and after Train on the labels with {renaming}: "
                + "its answers do not come from what Train learned (Predict must use the trained model)");
        }

        var second = Accuracy(renamed, Renamed(heldOut.Labels), target, classCount, task + $" with {renaming}");
        var reason = $"trained on the labels as given, {first.Reason}; trained afresh with {renaming}, {second.Reason}";
        return new Verdict(Math.Min(first.Fraction, second.Fraction), reason);
    }
}
