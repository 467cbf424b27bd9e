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
}
