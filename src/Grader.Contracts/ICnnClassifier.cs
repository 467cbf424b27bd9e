using static TorchSharp.torch;

namespace Grader.Contracts;

/// <summary>
/// HW2: an image classifier built from TorchSharp modules (Conv2d, pooling, Linear, ...) and trained with autograd.
/// Images are float32 on the CPU, labels and predictions int64 class indices.
/// </summary>
public interface ICnnClassifier
{
    /// <summary>Builds the network for images of the given shape; seed every random choice with <paramref name="seed"/>.</summary>
    void Initialize(int channels, int height, int width, int classCount, long seed);

    /// <summary>Trains on the given images (your optimiser, epochs and batch size; within the assignment's time limit).</summary>
    /// <param name="images">[count, channels, height, width], values roughly in [0, 1].</param>
    /// <param name="labels">int64 [count].</param>
    void Train(Tensor images, Tensor labels);

    /// <summary>Predicted classes for images the model has not seen.</summary>
    /// <param name="images">[count, channels, height, width].</param>
    /// <returns>int64 [count].</returns>
    Tensor Predict(Tensor images);
}
