// HW1 starter: implement every method marked TODO. Do not use autograd (no backward(), no requires_grad):
// the point of this homework is to write the backward pass yourself. See README.md for the full contract.
using System;
using System.Linq;
using Grader.Contracts;
using TorchSharp;
using static TorchSharp.torch;

public sealed class MultilayerPerceptron : IMultilayerPerceptron
{
    private Tensor[] weights = [];   // weights[l] is [out_l, in_l], like torch.nn.Linear
    private Tensor[] biases = [];    // biases[l] is [out_l]
    private Tensor[] weightGradients = [];
    private Tensor[] biasGradients = [];
    private long seed;

    public void Initialize(int inputSize, int[] hiddenSizes, int classCount, long seed)
    {
        this.seed = seed;
        // TODO: create one weight matrix and one bias vector per layer (hiddenSizes.Length + 1 layers).
        // Hint: new Generator((ulong)seed) makes your random draws reproducible; He initialisation suits ReLU.
        throw new NotImplementedException("Initialize");
    }

    public void SetParameters(Tensor[] weights, Tensor[] biases)
    {
        // Keep copies: the caller may reuse the tensors it passed.
        this.weights = weights.Select(weight => weight.detach().clone()).ToArray();
        this.biases = biases.Select(bias => bias.detach().clone()).ToArray();
    }

    public Tensor[] GetWeights() => weights.Select(weight => weight.clone()).ToArray();

    public Tensor[] GetBiases() => biases.Select(bias => bias.clone()).ToArray();

    public Tensor Forward(Tensor inputs)
    {
        // TODO: z = a·Wᵀ + b per layer, ReLU after every layer except the last; return the raw logits.
        throw new NotImplementedException("Forward");
    }

    public Tensor CrossEntropyLoss(Tensor logits, Tensor labels)
    {
        // TODO: mean over the batch of −log softmax(logits)[label]. Subtract each row's maximum before exp().
        throw new NotImplementedException("CrossEntropyLoss");
    }

    public void Backward(Tensor inputs, Tensor labels)
    {
        // TODO: forward pass keeping every layer's activation, then walk back from dL/dz = (softmax − one-hot) / batch.
        // Store one gradient per weight and per bias, in the same shapes as the parameters.
        throw new NotImplementedException("Backward");
    }

    public Tensor[] GetWeightGradients() => weightGradients.Select(gradient => gradient.clone()).ToArray();

    public Tensor[] GetBiasGradients() => biasGradients.Select(gradient => gradient.clone()).ToArray();

    public void Step(float learningRate)
    {
        // TODO: p ← p − learningRate · dL/dp for every weight and bias.
        throw new NotImplementedException("Step");
    }

    public void Train(Tensor inputs, Tensor labels)
    {
        // TODO: mini-batch SGD with your Backward and Step: shuffle each epoch (randperm with a seeded Generator).
        throw new NotImplementedException("Train");
    }

    public Tensor Predict(Tensor inputs)
    {
        // TODO: the arg-max of the logits, int64 [count].
        throw new NotImplementedException("Predict");
    }
}
