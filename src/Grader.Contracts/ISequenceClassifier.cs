using static TorchSharp.torch;

namespace Grader.Contracts;

/// <summary>
/// HW3: a recurrent classifier of time series (for instance ECG strips), built from TorchSharp modules and trained
/// with autograd. Sequences are float32 on the CPU, batch first; labels and predictions are int64 class indices.
/// </summary>
public interface ISequenceClassifier
{
    /// <summary>Builds the network; seed every random choice with <paramref name="seed"/>.</summary>
    /// <param name="featureCount">values per time step (1 for a single-lead ECG).</param>
    /// <param name="classCount">number of classes.</param>
    /// <param name="seed">seed for initial weights and shuffling.</param>
    void Initialize(int featureCount, int classCount, long seed);

    /// <summary>Trains on the given sequences (your optimiser, epochs and batch size; within the time limit).</summary>
    /// <param name="sequences">[count, steps, featureCount].</param>
    /// <param name="labels">int64 [count].</param>
    void Train(Tensor sequences, Tensor labels);

    /// <summary>Predicted classes for sequences the model has not seen.</summary>
    /// <param name="sequences">[count, steps, featureCount].</param>
    /// <returns>int64 [count].</returns>
    Tensor Predict(Tensor sequences);
}
