using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Grader.Reference.Checks;

/// <summary>
/// Turns what the student's code returned into tensors the checks can trust: never null, the promised shape, finite,
/// float32 (or int64 for class indices), on the CPU, detached and owned by the check. Anything else is rejected with
/// a reason naming the method and the fault.
/// </summary>
internal static class Answers
{
    /// <summary>A float tensor of exactly <paramref name="expectedShape"/>.</summary>
    public static Tensor Floats(Tensor? answer, string what, long[] expectedShape)
    {
        var tensor = Owned(answer, what);
        if (!tensor.is_floating_point())
        {
            throw new RejectedAnswerException($"{what} has dtype {tensor.dtype}; expected float32");
        }

        RequireShape(tensor, what, expectedShape);
        tensor = tensor.to(ScalarType.Float32);
        RequireFinite(tensor, what);
        return tensor;
    }

    /// <summary>A scalar loss: shape [] or [1].</summary>
    public static Tensor Scalar(Tensor? answer, string what)
    {
        var tensor = Owned(answer, what);
        if (tensor.numel() != 1)
        {
            throw new RejectedAnswerException($"{what} has shape {Format(tensor.shape)}; expected a scalar (shape [])"
                + (tensor.dim() == 1 ? ": reduce over the batch with mean()" : ""));
        }

        if (!tensor.is_floating_point())
        {
            throw new RejectedAnswerException($"{what} has dtype {tensor.dtype}; expected float32");
        }

        tensor = tensor.reshape([]).to(ScalarType.Float32);
        RequireFinite(tensor, what);
        return tensor;
    }

    /// <summary>An array of float tensors with the given shapes, one each.</summary>
    public static Tensor[] FloatArray(Tensor[]? answers, string what, IReadOnlyList<long[]> expectedShapes)
    {
        if (answers is null)
        {
            throw new RejectedAnswerException($"{what} returned null; expected {expectedShapes.Count} tensors");
        }

        if (answers.Length != expectedShapes.Count)
        {
            throw new RejectedAnswerException($"{what} returned {answers.Length} tensors; expected {expectedShapes.Count}");
        }

        return [.. answers.Select((answer, index) => Floats(answer, $"{what}[{index}]", expectedShapes[index]))];
    }

    /// <summary>Predicted class indices: integer [count], every value in [0, classCount).</summary>
    public static Tensor ClassIndices(Tensor? answer, string what, long count, int classCount)
    {
        var tensor = Owned(answer, what);
        if (tensor.dim() == 2 && tensor.shape[0] == count && tensor.shape[1] == classCount)
        {
            throw new RejectedAnswerException($"{what} has shape {Format(tensor.shape)}, one score per class; return the class indices, argmax over dim 1, shape [{count}]");
        }

        if (tensor.dim() != 1 || tensor.shape[0] != count)
        {
            throw new RejectedAnswerException($"{what} has shape {Format(tensor.shape)}; expected [{count}], one class index per input");
        }

        if (tensor.is_floating_point() || tensor.dtype == ScalarType.Bool)
        {
            throw new RejectedAnswerException($"{what} has dtype {tensor.dtype}; expected int64 class indices");
        }

        tensor = tensor.to(ScalarType.Int64);
        var outside = (tensor < 0) | (tensor >= classCount);
        if (outside.any().item<bool>())
        {
            var index = outside.nonzero()[0, 0].item<long>();
            throw new RejectedAnswerException($"{what}[{index}] is {tensor[index].item<long>()}; class indices go from 0 to {classCount - 1}");
        }

        return tensor;
    }

    /// <summary>Formats a shape the way torch prints it: [2, 3].</summary>
    public static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>Formats an element index: [3, 7].</summary>
    public static string FormatIndex(long flatIndex, long[] shape)
    {
        var index = new long[shape.Length];
        for (var axis = shape.Length - 1; axis >= 0; axis--)
        {
            index[axis] = flatIndex % shape[axis];
            flatIndex /= shape[axis];
        }

        return Format(index);
    }

    /// <summary>A detached CPU copy the student's side can no longer change or dispose.</summary>
    private static Tensor Owned(Tensor? answer, string what)
    {
        if (answer is null)
        {
            throw new RejectedAnswerException($"{what} is null");
        }

        try
        {
            return answer.detach().cpu().clone();
        }
        catch (Exception error) when (error is ObjectDisposedException or InvalidOperationException or ExternalException)
        {
            throw new RejectedAnswerException($"{what} could not be read ({error.GetType().Name}: {error.Message}); was it disposed?");
        }
    }

    private static void RequireShape(Tensor tensor, string what, long[] expectedShape)
    {
        if (tensor.shape.SequenceEqual(expectedShape))
        {
            return;
        }

        var transposed = expectedShape.Length == 2 && tensor.dim() == 2
            && tensor.shape[0] == expectedShape[1] && tensor.shape[1] == expectedShape[0];
        throw new RejectedAnswerException($"{what} has shape {Format(tensor.shape)}; expected {Format(expectedShape)}"
            + (transposed ? ": it looks transposed (weights and their gradients are [out, in])" : ""));
    }

    private static void RequireFinite(Tensor tensor, string what)
    {
        var notFinite = tensor.isfinite().logical_not();
        if (!notFinite.any().item<bool>())
        {
            return;
        }

        var flat = notFinite.flatten().nonzero()[0, 0].item<long>();
        var value = tensor.flatten()[flat].item<float>();
        var at = tensor.dim() == 0 ? "" : $" at {FormatIndex(flat, tensor.shape)}";
        throw new RejectedAnswerException(
            $"{what} contains {value.ToString(CultureInfo.InvariantCulture)}{at}; look for exp() overflowing (subtract the row maximum before exp), log(0), division by zero or a diverging step");
    }
}
