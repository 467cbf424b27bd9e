using static TorchSharp.torch;

namespace Grader.Reference.Data;

/// <summary>
/// HW1 data: two standardised clinical scores per patient, three risk groups lying in concentric bands (low risk near
/// the origin). No straight line separates them, so a linear model stays far below what a small MLP reaches.
/// </summary>
public static class ClinicalPoints
{
    /// <summary>Number of risk groups.</summary>
    public const int ClassCount = 3;

    /// <summary>Features per patient.</summary>
    public const int FeatureCount = 2;

    private static readonly (double Inner, double Outer)[] Bands = [(0.0, 1.0), (1.4, 2.2), (2.6, 3.4)];

    /// <summary><paramref name="count"/> patients: inputs float32 [count, 2], labels int64 [count].</summary>
    public static LabelledSet Generate(int count, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return GeneratedSets.Labelled(nameof(ClinicalPoints), count, 0, seed, () => DrawSet(count, seed));
    }

    private static LabelledSet DrawSet(int count, long seed)
    {
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        var labels = random.BalancedLabels(count, ClassCount);
        var features = new float[count * FeatureCount];
        for (var patient = 0; patient < count; patient++)
        {
            var (inner, outer) = Bands[labels[patient]];
            // Uniform over the band's area, then a little measurement noise that blurs the band edges.
            var radius = Math.Sqrt(random.NextUniform(inner * inner, outer * outer));
            var angle = random.NextUniform(0, 2 * Math.PI);
            features[patient * 2] = (float)((radius * Math.Cos(angle)) + (0.08 * random.NextGaussian()));
            features[(patient * 2) + 1] = (float)((radius * Math.Sin(angle)) + (0.08 * random.NextGaussian()));
        }

        return new LabelledSet(tensor(features, [count, FeatureCount]), tensor(labels), ClassCount);
    }
}
