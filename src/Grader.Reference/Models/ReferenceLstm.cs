using static TorchSharp.torch;

namespace Grader.Reference.Models;

/// <summary>Mistakes students typically make in an LSTM cell; the checks recompute with each to name the one made.</summary>
public enum LstmMistake
{
    /// <summary>The correct cell.</summary>
    None,

    /// <summary>c′ = (1 − f)·c + i·g: the forget gate used the wrong way round.</summary>
    ForgetGateInverted,

    /// <summary>h′ = o·c′ instead of o·tanh(c′).</summary>
    NoTanhOnCellOutput,

    /// <summary>g = σ(·) instead of tanh(·).</summary>
    SigmoidCandidate,

    /// <summary>bias_hh left out.</summary>
    HiddenBiasMissing,
}

/// <summary>The reference LSTM step: <c>torch.nn.LSTMCell</c> with copied weights, and the formula written out for the mistakes.</summary>
public static class ReferenceLstm
{
    /// <summary>(h′, c′) from torch's LSTMCell holding the given weights (gate blocks i, f, g, o).</summary>
    public static (Tensor Hidden, Tensor Cell) TorchCell(Tensor input, Tensor hidden, Tensor cell, Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh)
    {
        using var module = nn.LSTMCell(weightIh.shape[1], weightHh.shape[1], device: input.device);
        using (no_grad())
        {
            module.weight_ih!.copy_(weightIh);
            module.weight_hh!.copy_(weightHh);
            module.bias_ih!.copy_(biasIh);
            module.bias_hh!.copy_(biasHh);
        }

        using var noGradient = no_grad();
        var (nextHidden, nextCell) = module.forward(input, (hidden, cell));
        return (nextHidden.detach(), nextCell.detach());
    }

    /// <summary>(h′, c′) written out gate by gate, with one <paramref name="mistake"/> made on purpose.</summary>
    public static (Tensor Hidden, Tensor Cell) Formula(Tensor input, Tensor hidden, Tensor cell, Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh, LstmMistake mistake)
    {
        var gates = input.matmul(weightIh.t()) + biasIh + hidden.matmul(weightHh.t()) + (mistake == LstmMistake.HiddenBiasMissing ? zeros_like(biasHh) : biasHh);
        var chunks = gates.chunk(4, 1);
        var (inputGate, forgetGate, outputGate) = (chunks[0].sigmoid(), chunks[1].sigmoid(), chunks[3].sigmoid());
        var candidate = mistake == LstmMistake.SigmoidCandidate ? chunks[2].sigmoid() : chunks[2].tanh();
        var keep = mistake == LstmMistake.ForgetGateInverted ? 1 - forgetGate : forgetGate;
        var nextCell = (keep * cell) + (inputGate * candidate);
        var nextHidden = outputGate * (mistake == LstmMistake.NoTanhOnCellOutput ? nextCell : nextCell.tanh());
        return (nextHidden, nextCell);
    }

    /// <summary>Weights whose gate blocks are reordered: block k of the result is block <c>order[k]</c> of the input.</summary>
    public static Tensor PermuteGates(Tensor stacked, IReadOnlyList<int> order)
    {
        var blocks = stacked.chunk(4, 0);
        return cat([.. order.Select(block => blocks[block])], 0);
    }
}
