// HW3 bonus model solution: GAN losses, the contract's SGD training step, and Adam training on the real samples.
using System;
using System.Linq;
using Grader.Contracts;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

public sealed class GanTrainer : IGanTrainer
{
    private Sequential? generator;
    private Sequential? discriminator;
    private int noiseSize;
    private long seed;

    public void Initialize(int noiseSize, int hiddenSize, int dataSize, long seed)
    {
        this.noiseSize = noiseSize;
        this.seed = seed;
        manual_seed(seed);
        generator = nn.Sequential(
            nn.Linear(noiseSize, hiddenSize), nn.ReLU(),
            nn.Linear(hiddenSize, hiddenSize), nn.ReLU(),
            nn.Linear(hiddenSize, dataSize));
        discriminator = nn.Sequential(
            nn.Linear(dataSize, hiddenSize), nn.LeakyReLU(0.2),
            nn.Linear(hiddenSize, hiddenSize), nn.LeakyReLU(0.2),
            nn.Linear(hiddenSize, 1));
    }

    public void SetParameters(Tensor[] generatorParameters, Tensor[] discriminatorParameters)
    {
        using var noGradient = no_grad();
        foreach (var (parameter, value) in Networks().Generator.parameters().Zip(generatorParameters))
        {
            parameter.copy_(value);
        }

        foreach (var (parameter, value) in Networks().Discriminator.parameters().Zip(discriminatorParameters))
        {
            parameter.copy_(value);
        }
    }

    public Tensor[] GetGeneratorParameters() => Networks().Generator.parameters().Select(parameter => parameter.detach().clone()).ToArray();

    public Tensor[] GetDiscriminatorParameters() => Networks().Discriminator.parameters().Select(parameter => parameter.detach().clone()).ToArray();

    public Tensor DiscriminatorLoss(Tensor realLogits, Tensor fakeLogits) =>
        nn.functional.binary_cross_entropy_with_logits(realLogits, ones_like(realLogits))
        + nn.functional.binary_cross_entropy_with_logits(fakeLogits, zeros_like(fakeLogits));

    public Tensor GeneratorLoss(Tensor fakeLogits) => nn.functional.binary_cross_entropy_with_logits(fakeLogits, ones_like(fakeLogits));

    public void TrainStep(Tensor realBatch, Tensor noise, float learningRate)
    {
        var (g, d) = Networks();
        Step(realBatch, noise, optim.SGD(g.parameters(), learningRate), optim.SGD(d.parameters(), learningRate));
    }

    public void Fit(Tensor realSamples)
    {
        const int steps = 1500;
        const int batchSize = 128;
        var (g, d) = Networks();
        var generatorOptimizer = optim.Adam(g.parameters(), lr: 0.002, beta1: 0.5);
        var discriminatorOptimizer = optim.Adam(d.parameters(), lr: 0.002, beta1: 0.5);
        var random = new Generator((ulong)seed + 1);
        var count = realSamples.shape[0];
        for (var step = 0; step < steps; step++)
        {
            using var stepScope = NewDisposeScope();
            var batch = realSamples.index_select(0, randint(count, new long[] { batchSize }, generator: random));
            Step(batch, randn(new long[] { batchSize, noiseSize }, generator: random), generatorOptimizer, discriminatorOptimizer);
        }
    }

    public Tensor Generate(Tensor noise)
    {
        using var noGradient = no_grad();
        return Networks().Generator.forward(noise);
    }

    /// <summary>D first, on real and detached fake samples; then G against the D just updated.</summary>
    private void Step(Tensor realBatch, Tensor noise, optim.Optimizer generatorOptimizer, optim.Optimizer discriminatorOptimizer)
    {
        using var scope = NewDisposeScope();
        var (g, d) = Networks();
        generatorOptimizer.zero_grad();
        discriminatorOptimizer.zero_grad();
        var fake = g.forward(noise);
        // detach: D's loss must not send gradients into G (and must not free G's graph before G's own backward).
        var discriminatorLoss = DiscriminatorLoss(d.forward(realBatch), d.forward(fake.detach()));
        discriminatorLoss.backward();
        discriminatorOptimizer.step();

        var generatorLoss = GeneratorLoss(d.forward(fake));
        generatorLoss.backward();
        generatorOptimizer.step();
    }

    private (Sequential Generator, Sequential Discriminator) Networks() =>
        (generator ?? throw new InvalidOperationException("call Initialize first"), discriminator!);
}
