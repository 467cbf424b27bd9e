using static TorchSharp.torch;

namespace Grader.Contracts;

/// <summary>
/// HW2: a 2-D convolution written by hand, computing what <c>torch.nn.functional.conv2d</c> computes
/// (cross-correlation: the kernel is not flipped) without calling conv2d, Conv2d or unfold.
/// Every tensor crossing this interface is float32 on the CPU.
/// </summary>
public interface IConvolution2d
{
    /// <summary>Convolves a batch of images with zero padding on all four sides.</summary>
    /// <param name="input">[N, C_in, H, W].</param>
    /// <param name="weight">[C_out, C_in, kH, kW].</param>
    /// <param name="bias">[C_out], added to every output position of its channel.</param>
    /// <param name="stride">step between kernel positions along both spatial axes, ≥ 1.</param>
    /// <param name="padding">zeros added on each side of both spatial axes, ≥ 0.</param>
    /// <returns>[N, C_out, (H + 2·padding − kH) / stride + 1, (W + 2·padding − kW) / stride + 1] (integer division).</returns>
    Tensor Forward(Tensor input, Tensor weight, Tensor bias, int stride, int padding);
}
