using static TorchSharp.torch;

namespace Grader.Contracts;

/// <summary>
/// HW1: a multi-layer perceptron whose backward pass is written by hand (no autograd).
/// Layer l computes z = a·Wᵀ + b with W laid out [out, in] like <c>torch.nn.Linear</c>; hidden layers apply ReLU,
/// the last layer returns logits (no softmax). There are <c>hiddenSizes.Length + 1</c> layers.
/// Every tensor crossing this interface is float32 on the CPU, except labels and predictions (int64 class indices).
/// </summary>
public interface IMultilayerPerceptron
{
    /// <summary>Builds the network with fresh random parameters drawn from a generator seeded with <paramref name="seed"/>.</summary>
    /// <param name="inputSize">features per example.</param>
    /// <param name="hiddenSizes">width of each hidden layer, input side first; may be empty (a linear model).</param>
    /// <param name="classCount">number of classes, the width of the logits.</param>
    /// <param name="seed">seed for the initial parameters and any shuffling in <see cref="Train"/>.</param>
    void Initialize(int inputSize, int[] hiddenSizes, int classCount, long seed);

    /// <summary>Replaces every parameter. Keep copies: the caller may reuse the tensors it passed.</summary>
    /// <param name="weights">one per layer; <c>weights[l]</c> is [out_l, in_l].</param>
    /// <param name="biases">one per layer; <c>biases[l]</c> is [out_l].</param>
    void SetParameters(Tensor[] weights, Tensor[] biases);

    /// <summary>The current weights, one per layer, each [out_l, in_l].</summary>
    Tensor[] GetWeights();

    /// <summary>The current biases, one per layer, each [out_l].</summary>
    Tensor[] GetBiases();

    /// <summary>Forward pass.</summary>
    /// <param name="inputs">[batch, inputSize].</param>
    /// <returns>logits [batch, classCount].</returns>
    Tensor Forward(Tensor inputs);

    /// <summary>Mean cross-entropy over the batch (log-softmax of the logits, negative log-likelihood of the labels).</summary>
    /// <param name="logits">[batch, classCount].</param>
    /// <param name="labels">int64 [batch], values in [0, classCount).</param>
    /// <returns>a scalar tensor (shape []).</returns>
    Tensor CrossEntropyLoss(Tensor logits, Tensor labels);

    /// <summary>
    /// Computes by hand the gradient of the mean cross-entropy loss of <c>Forward(inputs)</c> against
    /// <paramref name="labels"/> with respect to every weight and bias, and keeps it for <see cref="Step"/>.
    /// </summary>
    /// <param name="inputs">[batch, inputSize].</param>
    /// <param name="labels">int64 [batch].</param>
    void Backward(Tensor inputs, Tensor labels);

    /// <summary>dL/dW from the last <see cref="Backward"/>, one per layer, each [out_l, in_l].</summary>
    Tensor[] GetWeightGradients();

    /// <summary>dL/db from the last <see cref="Backward"/>, one per layer, each [out_l].</summary>
    Tensor[] GetBiasGradients();

    /// <summary>One plain SGD step with the gradients of the last <see cref="Backward"/>: p ← p − learningRate · dL/dp.</summary>
    void Step(float learningRate);

    /// <summary>
    /// Trains from the current parameters with your own <see cref="Backward"/> and <see cref="Step"/> (mini-batch SGD;
    /// you choose epochs, batch size and learning rate; the whole call must finish within the assignment's time limit).
    /// </summary>
    /// <param name="inputs">[count, inputSize].</param>
    /// <param name="labels">int64 [count].</param>
    void Train(Tensor inputs, Tensor labels);

    /// <summary>Predicted classes.</summary>
    /// <param name="inputs">[count, inputSize].</param>
    /// <returns>int64 [count], the arg-max of the logits.</returns>
    Tensor Predict(Tensor inputs);
}
