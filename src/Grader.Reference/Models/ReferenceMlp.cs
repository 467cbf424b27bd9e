using static TorchSharp.torch;

namespace Grader.Reference.Models;

/// <summary>The reference MLP of HW1: z = a·Wᵀ + b per layer, ReLU between layers, mean cross-entropy, autograd gradients.</summary>
public static class ReferenceMlp
{
    /// <summary>Logits [batch, classes] for inputs [batch, in], weights [out, in] and biases [out] per layer.</summary>
    public static Tensor Forward(Tensor inputs, IReadOnlyList<Tensor> weights, IReadOnlyList<Tensor> biases, bool reluOnOutput = false)
    {
        var activation = inputs;
        for (var layer = 0; layer < weights.Count; layer++)
        {
            activation = nn.functional.linear(activation, weights[layer], biases[layer]);
            if (layer < weights.Count - 1 || reluOnOutput)
            {
                activation = nn.functional.relu(activation);
            }
        }

        return activation;
    }

    /// <summary>dL/dW and dL/db of the mean cross-entropy, by autograd on copies (the arguments are left untouched).</summary>
    public static (Tensor[] WeightGradients, Tensor[] BiasGradients) Gradients(Tensor inputs, Tensor labels, IReadOnlyList<Tensor> weights, IReadOnlyList<Tensor> biases)
    {
        var weightLeaves = weights.Select(weight => weight.detach().clone().requires_grad_()).ToArray();
        var biasLeaves = biases.Select(bias => bias.detach().clone().requires_grad_()).ToArray();
        using (enable_grad())
        {
            nn.functional.cross_entropy(Forward(inputs, weightLeaves, biasLeaves), labels).backward();
        }

        return ([.. weightLeaves.Select(leaf => leaf.grad!.detach().clone())], [.. biasLeaves.Select(leaf => leaf.grad!.detach().clone())]);
    }
}
