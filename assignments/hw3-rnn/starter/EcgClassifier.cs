// HW3 starter, part 2: a recurrent classifier of ECG strips from TorchSharp modules (nn.LSTM or nn.GRU, then nn.Linear).
using System;
using Grader.Contracts;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

public sealed class EcgClassifier : ISequenceClassifier
{
    private long seed;

    public void Initialize(int featureCount, int classCount, long seed)
    {
        this.seed = seed;
        manual_seed(seed);
        // TODO: build the recurrent layer (batchFirst: true) and a linear head.
        throw new NotImplementedException("Initialize");
    }

    public void Train(Tensor sequences, Tensor labels)
    {
        // TODO: sequences are [count, steps, features]; classify from the last hidden state; train with Adam.
        throw new NotImplementedException("Train");
    }

    public Tensor Predict(Tensor sequences)
    {
        // TODO: int64 [count] class indices.
        throw new NotImplementedException("Predict");
    }
}
