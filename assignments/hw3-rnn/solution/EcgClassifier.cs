// HW3 model solution, part 2: an LSTM over the ECG strip, classified from its last hidden state.
using System;
using System.Linq;
using Grader.Contracts;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

public sealed class EcgClassifier : ISequenceClassifier
{
    private LSTM? recurrent;
    private Linear? head;
    private long seed;

    public void Initialize(int featureCount, int classCount, long seed)
    {
        this.seed = seed;
        manual_seed(seed);
        recurrent = nn.LSTM(featureCount, 16, batchFirst: true);
        head = nn.Linear(16, classCount);
    }

    public void Train(Tensor sequences, Tensor labels)
    {
        var (lstm, linear) = Modules();
        const int epochs = 12;
        const int batchSize = 32;
        var optimizer = optim.Adam(lstm.parameters().Concat(linear.parameters()), lr: 0.01);
        var generator = new Generator((ulong)seed + 1);
        var count = sequences.shape[0];
        lstm.train();
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            using var epochScope = NewDisposeScope();
            var order = randperm(count, generator: generator);
            for (long start = 0; start < count; start += batchSize)
            {
                var batch = order.narrow(0, start, Math.Min(batchSize, count - start));
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(Logits(sequences.index_select(0, batch)), labels.index_select(0, batch));
                loss.backward();
                optimizer.step();
            }
        }
    }

    public Tensor Predict(Tensor sequences)
    {
        var (lstm, _) = Modules();
        lstm.eval();
        using var noGradient = no_grad();
        using var scope = NewDisposeScope();
        return Logits(sequences).argmax(1).MoveToOuterDisposeScope();
    }

    private Tensor Logits(Tensor sequences)
    {
        var (lstm, linear) = Modules();
        var (_, lastHidden, _) = lstm.forward(sequences);
        return linear.forward(lastHidden[-1]);
    }

    private (LSTM, Linear) Modules() => (recurrent ?? throw new InvalidOperationException("call Initialize first"), head!);
}
