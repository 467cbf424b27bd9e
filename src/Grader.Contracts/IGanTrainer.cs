using static TorchSharp.torch;

namespace Grader.Contracts;

/// <summary>
/// GAN (bonus): losses and a training step for a generator G and a discriminator D with this fixed architecture,
/// so that the check can copy its own weights in:
/// G = Linear(noiseSize→hiddenSize), ReLU, Linear(hiddenSize→hiddenSize), ReLU, Linear(hiddenSize→dataSize);
/// D = Linear(dataSize→hiddenSize), LeakyReLU(0.2), Linear(hiddenSize→hiddenSize), LeakyReLU(0.2), Linear(hiddenSize→1),
/// D returning a logit (no sigmoid). Parameters are exchanged as [W0, b0, W1, b1, W2, b2] in <c>torch.nn.Linear</c>
/// layout (W is [out, in]). Noise is standard normal. Every tensor crossing this interface is float32 on the CPU.
/// </summary>
public interface IGanTrainer
{
    /// <summary>Builds G and D with fresh random parameters; seed every random choice with <paramref name="seed"/>.</summary>
    void Initialize(int noiseSize, int hiddenSize, int dataSize, long seed);

    /// <summary>Replaces all parameters of G and of D (six tensors each, see the interface summary; keep copies).</summary>
    void SetParameters(Tensor[] generatorParameters, Tensor[] discriminatorParameters);

    /// <summary>G's current parameters, [W0, b0, W1, b1, W2, b2].</summary>
    Tensor[] GetGeneratorParameters();

    /// <summary>D's current parameters, [W0, b0, W1, b1, W2, b2].</summary>
    Tensor[] GetDiscriminatorParameters();

    /// <summary>Binary cross-entropy of D: −mean(log σ(realLogits)) − mean(log(1 − σ(fakeLogits))).</summary>
    /// <param name="realLogits">D's logits on real samples, [batch, 1].</param>
    /// <param name="fakeLogits">D's logits on generated samples, [batch, 1].</param>
    /// <returns>a scalar tensor (shape []), differentiable with respect to its inputs.</returns>
    Tensor DiscriminatorLoss(Tensor realLogits, Tensor fakeLogits);

    /// <summary>The non-saturating generator loss: −mean(log σ(fakeLogits)).</summary>
    /// <param name="fakeLogits">D's logits on generated samples, [batch, 1].</param>
    /// <returns>a scalar tensor (shape []), differentiable with respect to its input.</returns>
    Tensor GeneratorLoss(Tensor fakeLogits);

    /// <summary>
    /// One training step with plain SGD (no momentum, no weight decay) at <paramref name="learningRate"/>:
    /// first D, on D(realBatch) and D(G(noise)) with the generated samples detached so no gradient reaches G;
    /// then G, on GeneratorLoss(D(G(noise))) using the D just updated and the same noise. Only D's loss moves D and
    /// only G's loss moves G.
    /// </summary>
    /// <param name="realBatch">[batch, dataSize].</param>
    /// <param name="noise">[batch, noiseSize].</param>
    /// <param name="learningRate">SGD step size for both networks.</param>
    void TrainStep(Tensor realBatch, Tensor noise, float learningRate);

    /// <summary>Trains G and D from their current parameters on the given samples (your optimiser and step count; within the time limit).</summary>
    /// <param name="realSamples">[count, dataSize].</param>
    void Fit(Tensor realSamples);

    /// <summary>Runs G.</summary>
    /// <param name="noise">[count, noiseSize], standard normal.</param>
    /// <returns>[count, dataSize].</returns>
    Tensor Generate(Tensor noise);
}
