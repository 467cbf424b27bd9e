using System.Globalization;
using static TorchSharp.torch;

namespace Grader.Reference.Checks;

/// <summary>Element-wise comparison of a student's tensor with the reference, reported as a sentence.</summary>
internal static class TensorComparison
{
    /// <summary>True when every element is within <paramref name="tolerance"/> (shapes must already agree).</summary>
    public static bool Close(Tensor student, Tensor reference, Tolerance tolerance)
    {
        var referenceOnCpu = reference.detach().cpu().to(ScalarType.Float32);
        var allowed = referenceOnCpu.abs() * tolerance.Relative + tolerance.Absolute;
        return (student - referenceOnCpu).abs().le(allowed).all().item<bool>();
    }

    /// <summary>Null when close enough; otherwise where and by how much the tensors differ most.</summary>
    public static string? Difference(string what, Tensor student, Tensor reference, Tolerance tolerance)
    {
        if (Close(student, reference, tolerance))
        {
            return null;
        }

        var referenceOnCpu = reference.detach().cpu().to(ScalarType.Float32);
        var error = (student - referenceOnCpu).abs().flatten();
        var worst = error.argmax().item<long>();
        var at = student.dim() == 0 ? "" : $" at {Answers.FormatIndex(worst, student.shape)}";
        return $"{what} differs from the reference: max abs error {G(error[worst].item<float>())}{at}"
            + $" (yours {G(student.flatten()[worst].item<float>())}, reference {G(referenceOnCpu.flatten()[worst].item<float>())};"
            + $" tolerance {tolerance})";
    }

    /// <summary>
    /// The factor k when the student's tensor is k times the reference (least squares, residual under 0.1%), else null:
    /// a constant factor usually means a missing or doubled division by the batch size, or a flipped sign.
    /// </summary>
    public static double? ScaleFactor(Tensor student, Tensor reference)
    {
        var referenceOnCpu = reference.detach().cpu().to(ScalarType.Float64);
        var studentAsDouble = student.to(ScalarType.Float64);
        var referenceNorm = referenceOnCpu.square().sum().item<double>();
        if (referenceNorm < 1e-12)
        {
            return null;
        }

        var factor = (studentAsDouble * referenceOnCpu).sum().item<double>() / referenceNorm;
        var residual = (studentAsDouble - referenceOnCpu * factor).square().sum().item<double>();
        return residual <= 1e-6 * Math.Max(referenceNorm * factor * factor, 1e-12) ? factor : null;
    }

    /// <summary>A hint naming the factor, or "" when there is none or it is 1.</summary>
    public static string ScaleHint(Tensor student, Tensor reference, long batchSize)
    {
        if (ScaleFactor(student, reference) is not { } factor || Math.Abs(factor - 1) < 1e-3)
        {
            return "";
        }

        if (Math.Abs(factor + 1) < 1e-3)
        {
            return "; it has the wrong sign";
        }

        var ofBatch = Math.Abs(factor - batchSize) < 1e-3 * batchSize ? $" (the batch size, {batchSize}: divide by the batch size once)"
            : Math.Abs(factor - 1.0 / batchSize) < 1e-3 / batchSize ? $" (1 / the batch size, {batchSize}: the batch mean was taken twice)"
            : "";
        return $"; it is exactly {G(factor)} times the reference{ofBatch}";
    }

    /// <summary>Four significant digits, invariant culture.</summary>
    public static string G(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
