// HW3 bonus starter: GAN losses and training. The architecture is fixed by the contract (see README.md) so the
// grader can copy its weights in; Initialize is written for you.
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
        // TODO: copy the values into the modules' parameters (inside no_grad(), with copy_).
        throw new NotImplementedException("SetParameters");
    }

    public Tensor[] GetGeneratorParameters() => generator!.parameters().Select(parameter => parameter.detach().clone()).ToArray();

    public Tensor[] GetDiscriminatorParameters() => discriminator!.parameters().Select(parameter => parameter.detach().clone()).ToArray();

    public Tensor DiscriminatorLoss(Tensor realLogits, Tensor fakeLogits)
    {
        // TODO: −mean log σ(real) − mean log(1 − σ(fake)); binary_cross_entropy_with_logits is numerically stable.
        throw new NotImplementedException("DiscriminatorLoss");
    }

    public Tensor GeneratorLoss(Tensor fakeLogits)
    {
        // TODO: the non-saturating loss −mean log σ(fake).
        throw new NotImplementedException("GeneratorLoss");
    }

    public void TrainStep(Tensor realBatch, Tensor noise, float learningRate)
    {
        // TODO: plain SGD. D step on real and G(noise).detach(), then G step on D(G(noise)) with the updated D.
        throw new NotImplementedException("TrainStep");
    }

    public void Fit(Tensor realSamples)
    {
        // TODO: your own training loop (Adam works well), a few seconds at most.
        throw new NotImplementedException("Fit");
    }

    public Tensor Generate(Tensor noise)
    {
        // TODO: run the generator without recording gradients.
        throw new NotImplementedException("Generate");
    }
}
