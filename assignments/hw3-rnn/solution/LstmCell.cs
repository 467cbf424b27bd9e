// HW3 model solution, part 1: one LSTM step written by hand, gate blocks stacked like torch's: i, f, g, o.
using Grader.Contracts;
using TorchSharp;
using static TorchSharp.torch;

public sealed class LstmCell : ILstmCell
{
    private Tensor weightIh = empty(0);
    private Tensor weightHh = empty(0);
    private Tensor biasIh = empty(0);
    private Tensor biasHh = empty(0);

    public void SetParameters(Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh)
    {
        this.weightIh = weightIh.detach().clone().DetachFromDisposeScope();
        this.weightHh = weightHh.detach().clone().DetachFromDisposeScope();
        this.biasIh = biasIh.detach().clone().DetachFromDisposeScope();
        this.biasHh = biasHh.detach().clone().DetachFromDisposeScope();
    }

    public Tensor[] Forward(Tensor input, Tensor hidden, Tensor cell)
    {
        using var scope = NewDisposeScope();
        var gates = input.matmul(weightIh.t()) + biasIh + hidden.matmul(weightHh.t()) + biasHh;
        var blocks = gates.chunk(4, 1);
        var inputGate = blocks[0].sigmoid();
        var forgetGate = blocks[1].sigmoid();
        var candidate = blocks[2].tanh();
        var outputGate = blocks[3].sigmoid();
        // The forget gate decides how much of the old cell state survives; the input gate how much of the candidate enters.
        var nextCell = forgetGate * cell + inputGate * candidate;
        var nextHidden = outputGate * nextCell.tanh();
        return new[] { nextHidden.MoveToOuterDisposeScope(), nextCell.MoveToOuterDisposeScope() };
    }
}
