using TorchSharp;

namespace Grader.Reference.Checks;

/// <summary>
/// How close a student's value must be to the reference: |student − reference| ≤ Absolute + Relative·|reference|,
/// element by element (the rule of <c>torch.allclose</c>).
/// </summary>
public sealed record Tolerance(double Absolute, double Relative)
{
    /// <summary>
    /// The tolerance for values computed in <paramref name="dtype"/> on <paramref name="device"/>. CUDA kernels sum in
    /// a different order than CPU ones (and TF32 is switched off for comparisons), so CUDA gets ten times more room.
    /// </summary>
    public static Tolerance For(torch.ScalarType dtype, DeviceType device)
    {
        var onCpu = dtype switch
        {
            torch.ScalarType.Float64 => new Tolerance(1e-9, 1e-7),
            torch.ScalarType.Float32 => new Tolerance(1e-5, 1e-4),
            torch.ScalarType.Float16 or torch.ScalarType.BFloat16 => new Tolerance(1e-2, 1e-2),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "no tolerance defined for this dtype"),
        };
        return device == DeviceType.CPU ? onCpu : new Tolerance(onCpu.Absolute * 10, onCpu.Relative * 10);
    }

    /// <summary>This tolerance scaled by <paramref name="factor"/>, for values that accumulate rounding (training steps, long sums).</summary>
    public Tolerance Loosened(double factor) => new(Absolute * factor, Relative * factor);

    /// <inheritdoc/>
    public override string ToString() => $"{Absolute:G2} + {Relative:G2}·|reference|";
}
