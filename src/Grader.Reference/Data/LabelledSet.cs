using static TorchSharp.torch;

namespace Grader.Reference.Data;

/// <summary>Inputs with their int64 class labels; <see cref="Inputs"/> is float32, first axis = example.</summary>
public sealed record LabelledSet(Tensor Inputs, Tensor Labels, int ClassCount)
{
    /// <summary>Number of examples.</summary>
    public long Count => Inputs.shape[0];
}

/// <summary>Small numeric helpers the generators share (System.Random is stable for a given seed across runs and platforms).</summary>
internal static class RandomExtensions
{
    /// <summary>A standard normal draw (Box–Muller).</summary>
    public static double NextGaussian(this Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A uniform draw in [low, high).</summary>
    public static double NextUniform(this Random random, double low, double high) => low + ((high - low) * random.NextDouble());

    /// <summary>Labels 0..classCount-1 in equal shares (up to rounding), shuffled.</summary>
    public static long[] BalancedLabels(this Random random, int count, int classCount)
    {
        var labels = Enumerable.Range(0, count).Select(index => (long)(index % classCount)).ToArray();
        random.Shuffle(labels);
        return labels;
    }
}
