using static TorchSharp.torch;

namespace Grader.Reference.Data;

/// <summary>
/// HW3 data: short single-lead ECG strips. Class 0 is sinus rhythm (P wave, narrow QRS, T wave at a steady rate);
/// class 1 has premature ventricular contractions: early beats without a P wave whose QRS is wide, tall and inverted,
/// followed by a compensatory pause. Heart rate, amplitude, baseline wander and noise vary from strip to strip.
/// </summary>
public static class EcgStrips
{
    /// <summary>Sinus rhythm (0) and sinus rhythm with PVCs (1).</summary>
    public const int ClassCount = 2;

    /// <summary>Strips float32 [count, steps, 1] (millivolt-like units), labels int64 [count].</summary>
    public static LabelledSet Generate(int count, int steps, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 48);
        return GeneratedSets.Labelled(nameof(EcgStrips), count, steps, seed, () => DrawSet(count, steps, seed));
    }

    private static LabelledSet DrawSet(int count, int steps, long seed)
    {
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        var labels = random.BalancedLabels(count, ClassCount);
        var samples = new float[count * steps];
        for (var strip = 0; strip < count; strip++)
        {
            Draw(random, labels[strip] == 1, samples.AsSpan(strip * steps, steps));
        }

        return new LabelledSet(tensor(samples, [count, steps, 1]), tensor(labels), ClassCount);
    }

    private static void Draw(Random random, bool withPrematureBeats, Span<float> strip)
    {
        var steps = strip.Length;
        var beatInterval = random.NextUniform(16, 22);
        var gain = random.NextUniform(0.8, 1.2);
        var (wanderAmplitude, wanderPhase) = (random.NextUniform(0, 0.15), random.NextUniform(0, 2 * Math.PI));
        var beats = new List<(double Time, bool Ventricular)>();
        var time = random.NextUniform(2, beatInterval);
        var premature = withPrematureBeats ? random.Next(1, 3) : 0;
        var nextPremature = premature > 0 ? random.Next(1, 3) : int.MaxValue;
        while (time < steps + 10)
        {
            var ventricular = beats.Count == nextPremature;
            if (ventricular)
            {
                // Early by 35-45% of a cycle, then the sinus beat after it falls one full cycle later (compensatory pause).
                var early = time - (beatInterval * random.NextUniform(0.35, 0.45));
                beats.Add((early, true));
                premature--;
                nextPremature = premature > 0 ? beats.Count + random.Next(2, 4) : int.MaxValue;
                time = early + (beatInterval * random.NextUniform(1.4, 1.6));
                continue;
            }

            beats.Add((time, false));
            time += beatInterval * random.NextUniform(0.95, 1.05);
        }

        for (var step = 0; step < steps; step++)
        {
            double value = wanderAmplitude * Math.Sin((2 * Math.PI * step / steps) + wanderPhase);
            foreach (var (beatTime, ventricular) in beats)
            {
                value += gain * (ventricular ? VentricularBeat(step - beatTime) : SinusBeat(step - beatTime));
            }

            strip[step] = (float)(value + (0.03 * random.NextGaussian()));
        }
    }

    /// <summary>P, Q, R, S and T waves around an R peak at t = 0 (t in samples).</summary>
    private static double SinusBeat(double t) =>
        (0.15 * Bump(t + 7, 1.8)) - (0.12 * Bump(t + 1.4, 0.6)) + (1.0 * Bump(t, 0.7)) - (0.25 * Bump(t - 1.4, 0.6)) + (0.3 * Bump(t - 7, 2.5));

    /// <summary>A wide, inverted QRS without a P wave, with a discordant T wave.</summary>
    private static double VentricularBeat(double t) => (-1.3 * Bump(t, 2.0)) + (0.45 * Bump(t - 7, 2.5));

    private static double Bump(double t, double width) => Math.Exp(-(t * t) / (2 * width * width));
}
