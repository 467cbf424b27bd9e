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

    public static IReadOnlyList<Check> All { get; } =
    [
        Check.Of<IGanTrainer>("gan.discriminator-loss", "DiscriminatorLoss matches the binary cross-entropy of D on real and generated logits", DiscriminatorLoss),
        Check.Of<IGanTrainer>("gan.generator-loss", "GeneratorLoss matches the non-saturating loss −mean log σ(D(G(z)))", GeneratorLoss),
        Check.Of<IGanTrainer>("gan.training-step", "TrainStep updates D then G exactly like the reference SGD step (generated samples detached for D)", TrainingStep),
        Check.Of<IGanTrainer>("gan.sample-distance", $"After Fit, the mean per-dimension Wasserstein-1 distance to held-out real samples is at most {FullCreditDistance}", SampleDistance),
        Check.Of<IGanTrainer>("gan.mode-coverage", $"After Fit, generated samples cover all {GaussianRing.ModeCount} modes of the mixture", ModeCoverage),
    ];

    public static AssignmentCheckSuite StandaloneSuite { get; } = new("gan-lab", "GAN lab (standalone)", All);

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
    /// Samples of the student's generator after their Fit, computed once per run for both sample checks. Both checks
    /// then prove: Fit changed G's parameters (so a hand-written sampler of the mixture with a Fit that does nothing
    /// gets nothing), and the samples' distance to held-out data and their mode coverage. They do not prove that
    /// Generate uses G: a sampler that ignores G behind a Fit that moves it still scores. Tying the samples to the
    /// reference G of the reported parameters would close that, but would also take all of a tanh-on-output bug's
    /// partial credit; left for the course staff to decide.
    /// </summary>
    private static Tensor FittedSamples(CheckContext context) => context.Shared("gan.fitted-samples", () =>
    {
        var seed = ReferenceSeeds.For("gan.fit");
        var gan = Initialized(context, FitHiddenSize);
        long[][] shapes = [.. ReferenceGan.RandomParameters(CheckHelpers.Generator(seed), NoiseSize, FitHiddenSize, FitHiddenSize, DataSize).Select(parameter => parameter.shape)];
        var initial = Answers.FloatArray(CheckContext.Call("GetGeneratorParameters", gan.GetGeneratorParameters), "G's parameters from GetGeneratorParameters before Fit", shapes);
        var training = GaussianRing.Generate(2000, seed);
        CheckContext.Call("Fit", () => gan.Fit(CheckHelpers.ForStudent(training)));
        var fitted = Answers.FloatArray(CheckContext.Call("GetGeneratorParameters", gan.GetGeneratorParameters), "G's parameters from GetGeneratorParameters after Fit", shapes);
        var noise = CheckHelpers.Normal(CheckHelpers.Generator(seed + 1), SampleCount, NoiseSize);
        var samples = Answers.Floats(CheckContext.Call("Generate", () => gan.Generate(CheckHelpers.ForStudent(noise))),
            "the samples from Generate", [SampleCount, DataSize]);
        if (initial.Zip(fitted).All(pair => TensorComparison.Close(pair.Second, pair.First, new Tolerance(1e-6, 1e-6))))
        {
            throw new RejectedAnswerException("Fit left G's parameters as Initialize set them: train G with your TrainStep");
        }

        return samples;
    });

    private static Verdict SampleDistance(CheckContext context)
    {
        var samples = FittedSamples(context);
        var real = GaussianRing.Generate(SampleCount, ReferenceSeeds.For("gan.held-out"));
        var distance = MeanWasserstein1(samples, real);
        var summary = $"mean per-dimension Wasserstein-1 distance to held-out real samples: {Format(distance)} (full credit at ≤ {Format(FullCreditDistance)}, none at ≥ {Format(NoCreditDistance)})";
        if (distance <= FullCreditDistance)
        {
            return Verdict.Pass(summary);
        }

        var (mean, spread) = (samples.mean([0L]), samples.std(0));
        var (realMean, realSpread) = (real.mean([0L]), real.std(0));
        return Verdict.Partial((NoCreditDistance - distance) / (NoCreditDistance - FullCreditDistance),
            $"{summary}; generated mean {Vector(mean)}, std {Vector(spread)} vs real mean {Vector(realMean)}, std {Vector(realSpread)}");
    }

    private static Verdict ModeCoverage(CheckContext context)
    {
        var samples = FittedSamples(context);
        var centres = tensor(GaussianRing.Centres.SelectMany(centre => new[] { (float)centre.X, (float)centre.Y }).ToArray(), [GaussianRing.ModeCount, DataSize]);
        var distances = cdist(samples, centres);
        var (nearest, mode) = distances.min(1);
        var close = nearest.le(3 * GaussianRing.Spread);
        var shares = Enumerable.Range(0, GaussianRing.ModeCount)
            .Select(index => (close & mode.eq(index)).sum().item<long>() / (double)SampleCount).ToArray();
        var covered = shares.Count(share => share >= CoveredShare);
        var offModes = 1 - (close.sum().item<long>() / (double)SampleCount);
        var summary = $"{covered} of {GaussianRing.ModeCount} modes covered (share of samples within 3σ of each centre: {string.Join(", ", shares.Select(share => share.ToString("P0", CultureInfo.InvariantCulture)))}; a mode needs {CoveredShare:P0}); {offModes:P0} of samples lie off every mode";
        return covered == GaussianRing.ModeCount ? Verdict.Pass(summary)
            : Verdict.Partial((double)covered / GaussianRing.ModeCount, summary + (covered <= 1 ? ": the generator collapsed onto one mode or none" : ""));
    }

    /// <summary>Mean over dimensions of the 1-D Wasserstein-1 distance between two equally sized samples (mean |sorted a − sorted b|).</summary>
    public static double MeanWasserstein1(Tensor a, Tensor b)
    {
        var (sortedA, _) = a.sort(0);
        var (sortedB, _) = b.to(a.device).sort(0);
        return (sortedA - sortedB).abs().mean().item<float>();
    }

    private static IGanTrainer Initialized(CheckContext context, int hiddenSize)
    {
        var gan = context.Create<IGanTrainer>();
        CheckContext.Call("Initialize", () => gan.Initialize(NoiseSize, hiddenSize, DataSize, ReferenceSeeds.For("gan.initialize")));
        return gan;
    }

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Vector(Tensor values) => "(" + string.Join(", ", values.data<float>().ToArray().Select(value => Format(value))) + ")";
}
