using static TorchSharp.torch;

namespace Grader.Reference.Data;

/// <summary>
/// HW2 data: grey-scale dermoscopy-like patches of one skin lesion each. Class 0 has a regular, nearly elliptical
/// border and even pigmentation; class 1 an irregular, lobed border with variegated pigmentation (the B and C of the
/// ABCD rule). Sizes and positions vary, and there is sensor noise.
/// </summary>
public static class LesionImages
{
    /// <summary>Regular (0) and irregular (1).</summary>
    public const int ClassCount = 2;

    /// <summary>Images float32 [count, 1, size, size] with values in about [0, 1]; labels int64 [count].</summary>
    public static LabelledSet Generate(int count, int size, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 12);
        return GeneratedSets.Labelled(nameof(LesionImages), count, size, seed, () => DrawSet(count, size, seed));
    }

    private static LabelledSet DrawSet(int count, int size, long seed)
    {
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        var labels = random.BalancedLabels(count, ClassCount);
        var pixels = new float[count * size * size];
        for (var image = 0; image < count; image++)
        {
            Draw(random, labels[image] == 1, size, pixels.AsSpan(image * size * size, size * size));
        }

        return new LabelledSet(tensor(pixels, [count, 1, size, size]), tensor(labels), ClassCount);
    }

    private static void Draw(Random random, bool irregular, int size, Span<float> pixels)
    {
        var centreX = (size / 2.0) + random.NextUniform(-2, 2);
        var centreY = (size / 2.0) + random.NextUniform(-2, 2);
        var radius = size * random.NextUniform(0.2, 0.3);
        var skin = random.NextUniform(0.15, 0.3);
        var lesion = random.NextUniform(0.7, 0.9);
        var ellipse = random.NextUniform(0, 0.1);
        var tilt = random.NextUniform(0, Math.PI);
        var (lobes1, lobes2) = (random.Next(4, 8), random.Next(7, 11));
        var (depth1, depth2) = (random.NextUniform(0.2, 0.32), random.NextUniform(0.1, 0.18));
        var (phase1, phase2) = (random.NextUniform(0, 2 * Math.PI), random.NextUniform(0, 2 * Math.PI));
        var (spotX, spotY) = (random.NextUniform(-1, 1), random.NextUniform(-1, 1));
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var (dx, dy) = (x - centreX, y - centreY);
                var distance = Math.Sqrt((dx * dx) + (dy * dy));
                var angle = Math.Atan2(dy, dx);
                var border = radius * (1 + (ellipse * Math.Cos(2 * (angle - tilt))));
                var pigment = lesion;
                if (irregular)
                {
                    border *= 1 + (depth1 * Math.Sin((lobes1 * angle) + phase1)) + (depth2 * Math.Sin((lobes2 * angle) + phase2));
                    // A darker and a paler zone inside the lesion: variegated colour.
                    pigment *= 1 - (0.35 * Math.Exp(-(Square(dx - (spotX * radius * 0.5)) + Square(dy - (spotY * radius * 0.5))) / Square(radius * 0.4)));
                }

                var inside = 1 / (1 + Math.Exp(-(border - distance) / 0.6));
                pixels[(y * size) + x] = (float)(skin + ((pigment - skin) * inside) + (0.04 * random.NextGaussian()));
            }
        }
    }

    private static double Square(double value) => value * value;
}
