// HW3 starter, part 1: one LSTM step by hand, matching torch.nn.LSTMCell. See README.md.
using System;
using Grader.Contracts;
using TorchSharp;
using static TorchSharp.torch;

public sealed class LstmCell : ILstmCell
{
    private Tensor weightIh = empty(0);   // [4·hidden, input], row blocks i, f, g, o
    private Tensor weightHh = empty(0);   // [4·hidden, hidden]
    private Tensor biasIh = empty(0);     // [4·hidden]
    private Tensor biasHh = empty(0);     // [4·hidden]

    public void SetParameters(Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh)
    {
        this.weightIh = weightIh.detach().clone();
        this.weightHh = weightHh.detach().clone();
        this.biasIh = biasIh.detach().clone();
        this.biasHh = biasHh.detach().clone();
    }

    public Tensor[] Forward(Tensor input, Tensor hidden, Tensor cell)
    {
        // TODO: gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh, split into i, f, g, o (in that order);
        // i, f, o through sigmoid, g through tanh; c′ = f·c + i·g; h′ = o·tanh(c′). Return { h′, c′ }.
        throw new NotImplementedException("Forward");
    }
}
