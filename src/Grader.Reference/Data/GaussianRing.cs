using static TorchSharp.torch;

namespace Grader.Reference.Data;

/// <summary>
/// GAN data: 2-D points from a mixture of equally weighted Gaussians whose centres lie on a circle, a stand-in for
/// distinct patient phenotypes in a two-feature space. Mode coverage is measured against <see cref="Centres"/>.
/// </summary>
public static class GaussianRing
{
    /// <summary>Number of mixture components.</summary>
    public const int ModeCount = 4;

    /// <summary>Distance of each centre from the origin.</summary>
    public const double Radius = 2.0;

    /// <summary>Standard deviation of each component along both axes.</summary>
    public const double Spread = 0.2;

    /// <summary>The mixture's centres, (x, y) each.</summary>
    public static IReadOnlyList<(double X, double Y)> Centres { get; } =
        [.. Enumerable.Range(0, ModeCount).Select(mode => (Radius * Math.Cos(2 * Math.PI * mode / ModeCount), Radius * Math.Sin(2 * Math.PI * mode / ModeCount)))];

    /// <summary>Float32 [count, 2] samples, modes in equal shares.</summary>
    public static Tensor Generate(int count, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return GeneratedSets.Samples(nameof(GaussianRing), count, seed, () => DrawSet(count, seed));
    }

    private static Tensor DrawSet(int count, long seed)
    {
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        var modes = random.BalancedLabels(count, ModeCount);
        var points = new float[count * 2];
        for (var point = 0; point < count; point++)
        {
            var (x, y) = Centres[(int)modes[point]];
            points[point * 2] = (float)(x + (Spread * random.NextGaussian()));
            points[(point * 2) + 1] = (float)(y + (Spread * random.NextGaussian()));
        }

        return tensor(points, [count, 2]);
    }
}
