using static TorchSharp.torch;

namespace Grader.Reference.Models;

/// <summary>
/// The reference GAN of the bonus: the contract's fixed G and D on parameter arrays [W0, b0, W1, b1, W2, b2], the
/// two losses, and one plain-SGD training step computed with autograd.
/// </summary>
public static class ReferenceGan
{
    /// <summary>G: Linear, ReLU, Linear, ReLU, Linear.</summary>
    public static Tensor Generator(Tensor noise, IReadOnlyList<Tensor> parameters)
    {
        var hidden = nn.functional.relu(nn.functional.linear(noise, parameters[0], parameters[1]));
        hidden = nn.functional.relu(nn.functional.linear(hidden, parameters[2], parameters[3]));
        return nn.functional.linear(hidden, parameters[4], parameters[5]);
    }

    /// <summary>D: Linear, LeakyReLU(0.2), Linear, LeakyReLU(0.2), Linear to one logit.</summary>
    public static Tensor Discriminator(Tensor samples, IReadOnlyList<Tensor> parameters)
    {
        var hidden = nn.functional.leaky_relu(nn.functional.linear(samples, parameters[0], parameters[1]), 0.2);
        hidden = nn.functional.leaky_relu(nn.functional.linear(hidden, parameters[2], parameters[3]), 0.2);
        return nn.functional.linear(hidden, parameters[4], parameters[5]);
    }

    /// <summary>−mean log σ(real) − mean log(1 − σ(fake)), computed stably from logits.</summary>
    public static Tensor DiscriminatorLoss(Tensor realLogits, Tensor fakeLogits) =>
        nn.functional.binary_cross_entropy_with_logits(realLogits, ones_like(realLogits))
        + nn.functional.binary_cross_entropy_with_logits(fakeLogits, zeros_like(fakeLogits));

    /// <summary>The non-saturating generator loss −mean log σ(fake).</summary>
    public static Tensor GeneratorLoss(Tensor fakeLogits) => nn.functional.binary_cross_entropy_with_logits(fakeLogits, ones_like(fakeLogits));

    /// <summary>
    /// G's and D's parameters after one step of the contract: D on (real, detached G(noise)), then G against the
    /// updated D, both plain SGD. With <paramref name="leakDiscriminatorLoss"/> the D loss's gradient also reaches G,
    /// which is what a missing detach does when G's gradients are not zeroed between the two halves.
    /// </summary>
    public static (Tensor[] Generator, Tensor[] Discriminator) TrainStep(Tensor realBatch, Tensor noise, IReadOnlyList<Tensor> generator,
        IReadOnlyList<Tensor> discriminator, float learningRate, bool leakDiscriminatorLoss = false)
    {
        using var gradients = enable_grad();
        var generatorLeaves = generator.Select(parameter => parameter.detach().clone().requires_grad_()).ToArray();
        var discriminatorLeaves = discriminator.Select(parameter => parameter.detach().clone().requires_grad_()).ToArray();

        var fake = Generator(noise, generatorLeaves);
        DiscriminatorLoss(Discriminator(realBatch, discriminatorLeaves), Discriminator(leakDiscriminatorLoss ? fake : fake.detach(), discriminatorLeaves)).backward();
        var updatedDiscriminator = discriminatorLeaves.Select(leaf => (leaf - (leaf.grad! * learningRate)).detach()).ToArray();

        GeneratorLoss(Discriminator(Generator(noise, generatorLeaves), updatedDiscriminator)).backward();
        var updatedGenerator = generatorLeaves.Select(leaf => (leaf - (leaf.grad! * learningRate)).detach()).ToArray();
        return (updatedGenerator, updatedDiscriminator);
    }

    /// <summary>Initial parameters like torch.nn.Linear's (uniform ±1/√fan_in), drawn from <paramref name="generator"/>.</summary>
    public static Tensor[] RandomParameters(Generator generator, params int[] sizes)
    {
        var parameters = new List<Tensor>();
        for (var layer = 0; layer < sizes.Length - 1; layer++)
        {
            var bound = 1 / Math.Sqrt(sizes[layer]);
            parameters.Add((rand([sizes[layer + 1], sizes[layer]], generator: generator) * 2 - 1) * bound);
            parameters.Add((rand([sizes[layer + 1]], generator: generator) * 2 - 1) * bound);
        }

        return [.. parameters];
    }
}
