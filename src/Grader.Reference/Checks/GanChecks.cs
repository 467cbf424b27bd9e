using System.Diagnostics;
using System.Globalization;
using Grader.Contracts;
using Grader.Reference.Data;
using Grader.Reference.Models;
using static TorchSharp.torch;

namespace Grader.Reference.Checks;

/// <summary>
/// The GAN bonus: both losses against the stable reference formulas, one SGD training step against the reference
/// step on copied weights, and, after the student's own training on a ring of Gaussians, the distance between
/// generated and held-out real samples (trusted side) and how many of the mixture's modes the generator covers.
/// </summary>
internal static class GanChecks
{
    /// <summary>Mean per-dimension Wasserstein-1 distance at or under which the sample-distance check gives full credit.</summary>
    public const double FullCreditDistance = 0.3;

    /// <summary>Distance at or over which it gives none (about what a generator stuck near the origin scores).</summary>
    public const double NoCreditDistance = 1.5;

    /// <summary>A mode counts as covered when at least this share of the generated samples lies within 3σ of its centre.</summary>
    public const double CoveredShare = 0.1;

    private const int NoiseSize = 2;
    private const int HiddenSize = 8;
    private const int DataSize = 2;
    private const int BatchSize = 16;
    private const float LearningRate = 0.05f;
    private const int FitHiddenSize = 32;
    private const int SampleCount = 1000;
    private const int TrainingCount = 2000;

    /// <summary>
    /// Seeded training runs the sample checks score by their median. Measured on a correct but fragile GAN (the model
    /// solution at 400 steps, learning rate 0.006; 10 base seeds × 5 runs, 11 of 50 runs missing modes), points lost
    /// per submission: one run 0.94, mean partial credit of 5 runs 0.94 (averaging does not lower the expected loss),
    /// median of 3 runs 0.34, median of 5 runs 0.22, best of 5 runs 0. Best-of-K would also pay a GAN that works one
    /// run in five, so the median of 5. Cost: 5 Fits instead of 1 (model solution, loaded machine: 8-10 s -> 36-43 s; bench/README.md).
    /// </summary>
    public const int FitRuns = 5;

    /// <summary>
    /// Further runs start only while all runs so far plus one more are expected to end within this many seconds, so
    /// a slow Fit that fitted the sandbox's limit (600 s CPU) once is not run 5 times past it.
    /// </summary>
    public const double FitTimeBudgetSeconds = 120;

    private static readonly long GradedFitSeed = ReferenceSeeds.For("gan.fit");

    public static IReadOnlyList<Check> All { get; } = Checks(GradedFitSeed);

    public static AssignmentCheckSuite StandaloneSuite { get; } = new("gan-lab", "GAN lab (standalone)", All);

    /// <summary>The GAN checks with the training runs seeded from <paramref name="fitSeed"/> instead of the graded seed (tests: chance over base seeds).</summary>
    internal static AssignmentCheckSuite SuiteWithFitSeed(long fitSeed) => new("gan-lab", "GAN lab (standalone)", Checks(fitSeed));

    private static List<Check> Checks(long fitSeed) =>
    [
        Check.Of<IGanTrainer>("gan.discriminator-loss", "DiscriminatorLoss matches the binary cross-entropy of D on real and generated logits", DiscriminatorLoss),
        Check.Of<IGanTrainer>("gan.generator-loss", "GeneratorLoss matches the non-saturating loss −mean log σ(D(G(z)))", GeneratorLoss),
        Check.Of<IGanTrainer>("gan.training-step", "TrainStep updates D then G exactly like the reference SGD step (generated samples detached for D)", TrainingStep),
        Check.Of<IGanTrainer>("gan.sample-distance", $"After Fit, the mean per-dimension Wasserstein-1 distance to held-out real samples is at most {FullCreditDistance} (median of {FitRuns} seeded runs)", context => SampleDistance(context, fitSeed)),
        Check.Of<IGanTrainer>("gan.mode-coverage", $"After Fit, generated samples cover all {GaussianRing.ModeCount} modes of the mixture (median of {FitRuns} seeded runs)", context => ModeCoverage(context, fitSeed)),
    ];

    /// <summary>Proves: the loss equals the stable binary cross-entropy on the grader's logit pairs (including large ones).</summary>
    private static Verdict DiscriminatorLoss(CheckContext context)
    {
        var generator = CheckHelpers.Generator(ReferenceSeeds.For("gan.discriminator-loss"));
        var (realLogits, fakeLogits) = (CheckHelpers.Normal(generator, BatchSize, 1) * 2, CheckHelpers.Normal(generator, BatchSize, 1) * 2);
        var gan = Initialized(context, HiddenSize);
        var loss = Answers.Scalar(CheckContext.Call("DiscriminatorLoss", () => gan.DiscriminatorLoss(CheckHelpers.ForStudent(realLogits), CheckHelpers.ForStudent(fakeLogits))),
            "the loss from DiscriminatorLoss");
        var device = context.ReferenceDevice;
        var reference = ReferenceGan.DiscriminatorLoss(realLogits.to(device), fakeLogits.to(device));
        var difference = TensorComparison.Difference("The discriminator loss", loss, reference, context.Float32Tolerance);
        if (difference is null)
        {
            return Verdict.Pass($"matches −mean log σ(real) − mean log(1 − σ(fake)) on {BatchSize} logit pairs");
        }

        var hint = TensorComparison.Close(loss, ReferenceGan.DiscriminatorLoss(fakeLogits.to(device), realLogits.to(device)), context.Float32Tolerance)
                ? "; it matches the loss with real and fake swapped: real samples get target 1, generated ones target 0"
            : TensorComparison.Close(loss, reference / 2, context.Float32Tolerance)
                ? "; it is half the reference: add the two terms, do not average them"
            : "";
        return Verdict.Fail(difference + hint);
    }

    /// <summary>Proves: the loss equals −mean log σ(fake) on the grader's logits.</summary>
    private static Verdict GeneratorLoss(CheckContext context)
    {
        var generator = CheckHelpers.Generator(ReferenceSeeds.For("gan.generator-loss"));
        var fakeLogits = CheckHelpers.Normal(generator, BatchSize, 1) * 2;
        var gan = Initialized(context, HiddenSize);
        var loss = Answers.Scalar(CheckContext.Call("GeneratorLoss", () => gan.GeneratorLoss(CheckHelpers.ForStudent(fakeLogits))), "the loss from GeneratorLoss");
        var reference = ReferenceGan.GeneratorLoss(fakeLogits.to(context.ReferenceDevice));
        var difference = TensorComparison.Difference("The generator loss", loss, reference, context.Float32Tolerance);
        if (difference is null)
        {
            return Verdict.Pass($"matches −mean log σ(fake) on {BatchSize} logits");
        }

        var saturating = (1 - fakeLogits.sigmoid()).log().mean();
        var hint = TensorComparison.Close(loss, saturating, context.Float32Tolerance)
            ? "; it is the saturating loss mean log(1 − σ(fake)), whose gradient vanishes while D wins: minimise −mean log σ(fake) instead"
            : TensorComparison.ScaleHint(loss, reference, BatchSize);
        return Verdict.Fail(difference + hint);
    }

    /// <summary>Proves: one TrainStep from the grader's parameters moves D then G exactly as the reference SGD step (a no-op step fails: the reference moves).</summary>
    private static Verdict TrainingStep(CheckContext context)
    {
        var seed = ReferenceSeeds.For("gan.training-step");
        var generator = CheckHelpers.Generator(seed);
        var generatorParameters = ReferenceGan.RandomParameters(generator, NoiseSize, HiddenSize, HiddenSize, DataSize);
        var discriminatorParameters = ReferenceGan.RandomParameters(generator, DataSize, HiddenSize, HiddenSize, 1);
        var realBatch = GaussianRing.Generate(BatchSize, seed);
        var noise = CheckHelpers.Normal(generator, BatchSize, NoiseSize);

        var gan = Initialized(context, HiddenSize);
        CheckContext.Call("SetParameters", () => gan.SetParameters(CheckHelpers.ForStudent(generatorParameters), CheckHelpers.ForStudent(discriminatorParameters)));
        CheckContext.Call("TrainStep", () => gan.TrainStep(CheckHelpers.ForStudent(realBatch), CheckHelpers.ForStudent(noise), LearningRate));
        var studentGenerator = Answers.FloatArray(CheckContext.Call("GetGeneratorParameters", gan.GetGeneratorParameters),
            "G's parameters from GetGeneratorParameters", [.. generatorParameters.Select(parameter => parameter.shape)]);
        var studentDiscriminator = Answers.FloatArray(CheckContext.Call("GetDiscriminatorParameters", gan.GetDiscriminatorParameters),
            "D's parameters from GetDiscriminatorParameters", [.. discriminatorParameters.Select(parameter => parameter.shape)]);

        var device = context.ReferenceDevice;
        var (onDeviceGenerator, onDeviceDiscriminator) = (CheckHelpers.On(generatorParameters, device), CheckHelpers.On(discriminatorParameters, device));
        var (referenceGenerator, referenceDiscriminator) = ReferenceGan.TrainStep(realBatch.to(device), noise.to(device), onDeviceGenerator, onDeviceDiscriminator, LearningRate);
        var tolerance = context.Float32Tolerance.Loosened(10);
        var discriminatorFailure = FirstDifference("D", studentDiscriminator, referenceDiscriminator, tolerance);
        var generatorFailure = FirstDifference("G", studentGenerator, referenceGenerator, tolerance);
        if (discriminatorFailure is null && generatorFailure is null)
        {
            return Verdict.Pass($"after one TrainStep (SGD, learning rate {LearningRate}) both networks' parameters match the reference step");
        }

        if (discriminatorFailure is not null)
        {
            var unchanged = FirstDifference("D", studentDiscriminator, onDeviceDiscriminator, tolerance) is null ? "; D did not move: step D's optimiser after its backward" : "";
            return Verdict.Fail(discriminatorFailure + unchanged);
        }

        var (leakyGenerator, _) = ReferenceGan.TrainStep(realBatch.to(device), noise.to(device), onDeviceGenerator, onDeviceDiscriminator, LearningRate, leakDiscriminatorLoss: true);
        var hint = FirstDifference("G", studentGenerator, leakyGenerator, tolerance) is null
            ? "; D's update is right, and G's matches a step in which D's loss also pushed G: detach the generated samples in the discriminator step (or zero G's gradients before its own backward)"
            : FirstDifference("G", studentGenerator, onDeviceGenerator, tolerance) is null ? "; G did not move: step G's optimiser after its backward" : "";
        return Verdict.Fail(generatorFailure + hint);
    }

    private static string? FirstDifference(string network, IReadOnlyList<Tensor> student, IReadOnlyList<Tensor> reference, Tolerance tolerance)
    {
        string[] names = ["W0", "b0", "W1", "b1", "W2", "b2"];
        for (var index = 0; index < student.Count; index++)
        {
            var difference = TensorComparison.Difference($"{network}'s {names[index]} after TrainStep", student[index], reference[index], tolerance);
            if (difference is not null)
            {
                return difference;
            }
        }

        return null;
    }

    /// <summary>
    /// Samples of the student's generator after their Fit, [runs, SampleCount, DataSize]: one fresh GAN per run, each
    /// with its own seed for Initialize, its own 2000 training samples and its own noise, computed once per grading for
    /// both sample checks. Both checks then prove: Fit changed G's parameters in every run (so a hand-written sampler
    /// of the mixture with a Fit that does nothing gets nothing), Generate follows G's parameters in every run
    /// (<see cref="GenerateFollowsG"/>: a sampler that ignores G behind a Fit that moves it gets nothing), and the
    /// samples' distance to held-out data and their mode coverage, scored by the median run. They do not prove that
    /// Generate computes exactly the reference G (forward mistakes keep partial credit; the training step checks the
    /// architecture), nor refuse a Generate written to recognise the probe's parameters (deliberate deception the
    /// course staff see in the code).
    /// </summary>
    private static Tensor FittedSamples(CheckContext context, long baseSeed) => context.Shared($"gan.fitted-samples/{baseSeed}", () =>
    {
        var runs = new List<Tensor>();
        var clock = Stopwatch.StartNew();
        while (runs.Count < FitRuns && (runs.Count == 0 || clock.Elapsed.TotalSeconds * (runs.Count + 1) / runs.Count <= FitTimeBudgetSeconds))
        {
            runs.Add(FitOnce(context, RunSeed(baseSeed, runs.Count)));
        }

        return stack(runs);
    });

    /// <summary>The seed of run <paramref name="run"/>: run 0 of the graded base seed is the single run graded before runs were repeated.</summary>
    internal static long RunSeed(long baseSeed, int run) =>
        baseSeed == GradedFitSeed && run == 0 ? baseSeed : ReferenceSeeds.For(string.Create(CultureInfo.InvariantCulture, $"gan.fit/{baseSeed}/{run}"));

    private static Tensor FitOnce(CheckContext context, long seed)
    {
        var gan = Initialized(context, FitHiddenSize, seed == GradedFitSeed ? ReferenceSeeds.For("gan.initialize") : seed);
        long[][] shapes = [.. ReferenceGan.RandomParameters(CheckHelpers.Generator(seed), NoiseSize, FitHiddenSize, FitHiddenSize, DataSize).Select(parameter => parameter.shape)];
        var initial = Answers.FloatArray(CheckContext.Call("GetGeneratorParameters", gan.GetGeneratorParameters), "G's parameters from GetGeneratorParameters before Fit", shapes);
        var training = GaussianRing.Generate(TrainingCount, seed);
        CheckContext.Call("Fit", () => gan.Fit(CheckHelpers.ForStudent(training)));
        var fitted = Answers.FloatArray(CheckContext.Call("GetGeneratorParameters", gan.GetGeneratorParameters), "G's parameters from GetGeneratorParameters after Fit", shapes);
        var noise = CheckHelpers.Normal(CheckHelpers.Generator(seed + 1), SampleCount, NoiseSize);
        var samples = Answers.Floats(CheckContext.Call("Generate", () => gan.Generate(CheckHelpers.ForStudent(noise))),
            "the samples from Generate", [SampleCount, DataSize]);
        if (initial.Zip(fitted).All(pair => TensorComparison.Close(pair.Second, pair.First, new Tolerance(1e-6, 1e-6))))
        {
            throw new RejectedAnswerException("Fit left G's parameters as Initialize set them: train G with your TrainStep");
        }

        GenerateFollowsG(gan, fitted, seed, noise);
        return samples;
    }

    /// <summary>Where G's last layer is W2 = 0 and b2 = this, every G of the contract's architecture gives the same sample for all noise.</summary>
    private static readonly float[] ProbeOutput = [0.7f, -0.4f];

    /// <summary>
    /// Generate must be G of the parameters G reports: with the fitted G's last layer replaced (W2 = 0, b2 =
    /// <see cref="ProbeOutput"/>, through SetParameters), any G of the contract's architecture gives one sample for
    /// every noise vector, whatever its hidden layers or output function compute, so mistakes there keep their partial
    /// credit, while a sampler that ignores G, or draws its own noise, still spreads its samples and is refused.
    /// </summary>
    private static void GenerateFollowsG(IGanTrainer gan, Tensor[] fitted, long seed, Tensor noise)
    {
        Tensor[] probe = [.. fitted[..4], zeros_like(fitted[4]), tensor(ProbeOutput)];
        var discriminator = ReferenceGan.RandomParameters(CheckHelpers.Generator(seed + 2), DataSize, FitHiddenSize, FitHiddenSize, 1);
        CheckContext.Call("SetParameters", () => gan.SetParameters(CheckHelpers.ForStudent(probe), CheckHelpers.ForStudent(discriminator)));
        var samples = Answers.Floats(CheckContext.Call("Generate", () => gan.Generate(CheckHelpers.ForStudent(noise))),
            "the samples from Generate after SetParameters", [SampleCount, DataSize]);
        var spread = (samples - samples[0]).abs().max().item<float>();
        if (spread > 1e-4 * Math.Max(1, samples[0].abs().max().item<float>()))
        {
            throw new RejectedAnswerException($"with G's last layer set to W2 = 0 and b2 = ({Format(ProbeOutput[0])}, {Format(ProbeOutput[1])}) through SetParameters, "
                + $"Generate still gave different samples for different noise (they differ by up to {Format(spread)}): Generate must return G(noise) computed with G's parameters");
        }
    }

    private static Verdict SampleDistance(CheckContext context, long baseSeed)
    {
        var runs = FittedSamples(context, baseSeed);
        var real = GaussianRing.Generate(SampleCount, ReferenceSeeds.For("gan.held-out"));
        var distances = Enumerable.Range(0, (int)runs.shape[0]).Select(run => MeanWasserstein1(runs[run], real)).ToArray();
        var (median, medianRun) = Median(distances, lowerIsBetter: true);
        var summary = $"mean per-dimension Wasserstein-1 distance to held-out real samples: {Format(median)}, the median of {RunsText(distances.Select(Format))} (full credit at ≤ {Format(FullCreditDistance)}, none at ≥ {Format(NoCreditDistance)})";
        if (median <= FullCreditDistance)
        {
            return Verdict.Pass(summary);
        }

        var samples = runs[medianRun];
        var (mean, spread) = (samples.mean([0L]), samples.std(0));
        var (realMean, realSpread) = (real.mean([0L]), real.std(0));
        return Verdict.Partial((NoCreditDistance - median) / (NoCreditDistance - FullCreditDistance),
            $"{summary}; in the median run generated mean {Vector(mean)}, std {Vector(spread)} vs real mean {Vector(realMean)}, std {Vector(realSpread)}");
    }

    private static Verdict ModeCoverage(CheckContext context, long baseSeed)
    {
        var runs = FittedSamples(context, baseSeed);
        var coverage = Enumerable.Range(0, (int)runs.shape[0]).Select(run => Coverage(runs[run])).ToArray();
        var (covered, medianRun) = Median([.. coverage.Select(run => (double)run.Covered)], lowerIsBetter: false);
        var (shares, offModes) = (coverage[medianRun].Shares, coverage[medianRun].OffModes);
        var summary = $"{covered} of {GaussianRing.ModeCount} modes covered, the median of {RunsText(coverage.Select(run => run.Covered.ToString(CultureInfo.InvariantCulture)))}; "
            + $"in the median run the share of samples within 3σ of each centre is {string.Join(", ", shares.Select(share => share.ToString("P0", CultureInfo.InvariantCulture)))} (a mode needs {CoveredShare:P0}) and {offModes:P0} of samples lie off every mode";
        return covered == GaussianRing.ModeCount ? Verdict.Pass(summary)
            : Verdict.Partial(covered / GaussianRing.ModeCount, summary + (covered <= 1 ? ": the generator collapsed onto one mode or none" : ""));
    }

    private static (int Covered, double[] Shares, double OffModes) Coverage(Tensor samples)
    {
        var centres = tensor(GaussianRing.Centres.SelectMany(centre => new[] { (float)centre.X, (float)centre.Y }).ToArray(), [GaussianRing.ModeCount, DataSize]);
        var distances = cdist(samples, centres);
        var (nearest, mode) = distances.min(1);
        var close = nearest.le(3 * GaussianRing.Spread);
        var shares = Enumerable.Range(0, GaussianRing.ModeCount)
            .Select(index => (close & mode.eq(index)).sum().item<long>() / (double)SampleCount).ToArray();
        return (shares.Count(share => share >= CoveredShare), shares, 1 - (close.sum().item<long>() / (double)SampleCount));
    }

    /// <summary>The median value and the run it came from; with an even count (time budget cut the runs short), the better of the two middle runs.</summary>
    private static (double Value, int Run) Median(double[] values, bool lowerIsBetter)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(run => lowerIsBetter ? values[run] : -values[run]).ThenBy(run => run).ToArray();
        var run = order[(values.Length - 1) / 2];
        return (values[run], run);
    }

    private static string RunsText(IEnumerable<string> values)
    {
        var list = values.ToList();
        return list.Count == 1 ? $"1 seeded run ({list[0]}; the time budget allowed no more)" : $"{list.Count} seeded runs ({string.Join(", ", list)})";
    }

    /// <summary>Mean over dimensions of the 1-D Wasserstein-1 distance between two equally sized samples (mean |sorted a − sorted b|).</summary>
    public static double MeanWasserstein1(Tensor a, Tensor b)
    {
        var (sortedA, _) = a.sort(0);
        var (sortedB, _) = b.to(a.device).sort(0);
        return (sortedA - sortedB).abs().mean().item<float>();
    }

    private static IGanTrainer Initialized(CheckContext context, int hiddenSize) => Initialized(context, hiddenSize, ReferenceSeeds.For("gan.initialize"));

    private static IGanTrainer Initialized(CheckContext context, int hiddenSize, long seed)
    {
        var gan = context.Create<IGanTrainer>();
        CheckContext.Call("Initialize", () => gan.Initialize(NoiseSize, hiddenSize, DataSize, seed));
        return gan;
    }

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Vector(Tensor values) => "(" + string.Join(", ", values.data<float>().ToArray().Select(value => Format(value))) + ")";
}
