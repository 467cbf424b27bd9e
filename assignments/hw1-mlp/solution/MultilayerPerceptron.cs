// HW1 model solution: an MLP with a hand-written backward pass (no autograd).
using System;
using System.Linq;
using Grader.Contracts;
using TorchSharp;
using static TorchSharp.torch;

public sealed class MultilayerPerceptron : IMultilayerPerceptron
{
    private Tensor[] weights = [];
    private Tensor[] biases = [];
    private Tensor[] weightGradients = [];
    private Tensor[] biasGradients = [];
    private long seed;

    public void Initialize(int inputSize, int[] hiddenSizes, int classCount, long seed)
    {
        this.seed = seed;
        var generator = new Generator((ulong)seed);
        int[] sizes = [inputSize, .. hiddenSizes, classCount];
        var layers = sizes.Length - 1;
        // He initialisation suits ReLU layers; biases start at zero.
        var newWeights = Enumerable.Range(0, layers)
            .Select(layer => randn(new long[] { sizes[layer + 1], sizes[layer] }, generator: generator) * Math.Sqrt(2.0 / sizes[layer]))
            .ToArray();
        var newBiases = Enumerable.Range(0, layers).Select(layer => zeros(sizes[layer + 1])).ToArray();
        SetParameters(newWeights, newBiases);
    }

    public void SetParameters(Tensor[] weights, Tensor[] biases)
    {
        this.weights = weights.Select(Own).ToArray();
        this.biases = biases.Select(Own).ToArray();
        weightGradients = new Tensor[this.weights.Length];
        biasGradients = new Tensor[this.biases.Length];
    }

    public Tensor[] GetWeights() => weights.Select(weight => weight.clone()).ToArray();

    public Tensor[] GetBiases() => biases.Select(bias => bias.clone()).ToArray();

    public Tensor Forward(Tensor inputs) => Activations(inputs)[^1];

    public Tensor CrossEntropyLoss(Tensor logits, Tensor labels)
    {
        // log-softmax through logsumexp, which subtracts the row maximum and so never overflows.
        var logProbabilities = logits - logits.logsumexp(1, keepdim: true);
        return -logProbabilities.gather(1, labels.unsqueeze(1)).mean();
    }

    public void Backward(Tensor inputs, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var activations = Activations(inputs);
        var logits = activations[^1];
        var batchSize = inputs.shape[0];
        // dL/dz of the last layer for the mean cross-entropy: (softmax − one-hot) / batch.
        var oneHot = nn.functional.one_hot(labels, logits.shape[1]).to(ScalarType.Float32);
        var delta = (logits.softmax(1) - oneHot) / batchSize;
        for (var layer = weights.Length - 1; layer >= 0; layer--)
        {
            Replace(weightGradients, layer, delta.t().matmul(activations[layer]));
            Replace(biasGradients, layer, delta.sum(dim: 0));
            if (layer > 0)
            {
                // Through the weights, then through the ReLU: its derivative is 1 where the unit was active.
                delta = delta.matmul(weights[layer]) * (activations[layer] > 0).to(ScalarType.Float32);
            }
        }
    }

    public Tensor[] GetWeightGradients() => weightGradients.Select(gradient => gradient.clone()).ToArray();

    public Tensor[] GetBiasGradients() => biasGradients.Select(gradient => gradient.clone()).ToArray();

    public void Step(float learningRate)
    {
        for (var layer = 0; layer < weights.Length; layer++)
        {
            weights[layer].sub_(weightGradients[layer] * learningRate);
            biases[layer].sub_(biasGradients[layer] * learningRate);
        }
    }

    public void Train(Tensor inputs, Tensor labels)
    {
        const int epochs = 60;
        const int batchSize = 32;
        const float learningRate = 0.2f;
        var generator = new Generator((ulong)seed + 1);
        var count = inputs.shape[0];
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            using var epochScope = NewDisposeScope();
            var order = randperm(count, generator: generator);
            for (long start = 0; start < count; start += batchSize)
            {
                var batch = order.narrow(0, start, Math.Min(batchSize, count - start));
                Backward(inputs.index_select(0, batch), labels.index_select(0, batch));
                Step(learningRate);
            }
        }
    }

    public Tensor Predict(Tensor inputs)
    {
        using var scope = NewDisposeScope();
        return Forward(inputs).argmax(1).MoveToOuterDisposeScope();
    }

    /// <summary>The input, then each layer's output (ReLU on hidden layers, raw logits last).</summary>
    private Tensor[] Activations(Tensor inputs)
    {
        var activations = new Tensor[weights.Length + 1];
        activations[0] = inputs;
        for (var layer = 0; layer < weights.Length; layer++)
        {
            var z = activations[layer].matmul(weights[layer].t()) + biases[layer];
            activations[layer + 1] = layer < weights.Length - 1 ? z.clamp_min(0) : z;
        }

        return activations;
    }

    /// <summary>A private copy that outlives any dispose scope of the caller.</summary>
    private static Tensor Own(Tensor tensor) => tensor.detach().clone().DetachFromDisposeScope();

    private static void Replace(Tensor[] slots, int index, Tensor value)
    {
        slots[index]?.Dispose();
        slots[index] = value.DetachFromDisposeScope();
    }
}
