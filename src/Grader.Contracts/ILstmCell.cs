using static TorchSharp.torch;

namespace Grader.Contracts;

/// <summary>
/// HW3: one step of an LSTM written by hand, computing what <c>torch.nn.LSTMCell</c> computes with the same weights.
/// Gate rows are stacked in torch's order: input (i), forget (f), cell candidate (g), output (o); each block has
/// <c>hiddenSize</c> rows. Every tensor crossing this interface is float32 on the CPU.
/// </summary>
public interface ILstmCell
{
    /// <summary>Sets the weights (keep copies). The input and hidden sizes follow from the shapes.</summary>
    /// <param name="weightIh">[4·hiddenSize, inputSize].</param>
    /// <param name="weightHh">[4·hiddenSize, hiddenSize].</param>
    /// <param name="biasIh">[4·hiddenSize].</param>
    /// <param name="biasHh">[4·hiddenSize].</param>
    void SetParameters(Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh);

    /// <summary>One time step.</summary>
    /// <param name="input">[batch, inputSize].</param>
    /// <param name="hidden">h, [batch, hiddenSize].</param>
    /// <param name="cell">c, [batch, hiddenSize].</param>
    /// <returns>two tensors: the next hidden state h′ [batch, hiddenSize] then the next cell state c′ [batch, hiddenSize].</returns>
    Tensor[] Forward(Tensor input, Tensor hidden, Tensor cell);
}
