// HW2 model solution, part 1: a 2-D convolution (cross-correlation, like torch's conv2d) written by hand.
using Grader.Contracts;
using TorchSharp;
using static TorchSharp.torch;

public sealed class Convolution2d : IConvolution2d
{
    public Tensor Forward(Tensor input, Tensor weight, Tensor bias, int stride, int padding)
    {
        using var scope = NewDisposeScope();
        var (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3]);
        var (outChannels, kernelHeight, kernelWidth) = (weight.shape[0], weight.shape[2], weight.shape[3]);
        var padded = nn.functional.pad(input, new long[] { padding, padding, padding, padding });
        var outHeight = (height + 2 * padding - kernelHeight) / stride + 1;
        var outWidth = (width + 2 * padding - kernelWidth) / stride + 1;
        var output = zeros(batch, outChannels, outHeight, outWidth);
        // One kernel offset at a time: the input pixels that offset sees at every output position, times that
        // weight, summed over input channels. kH·kW small matrix products instead of a loop over every pixel.
        for (var dy = 0; dy < kernelHeight; dy++)
        {
            for (var dx = 0; dx < kernelWidth; dx++)
            {
                var window = padded[.., .., TensorIndex.Slice(dy, dy + (outHeight - 1) * stride + 1, stride), TensorIndex.Slice(dx, dx + (outWidth - 1) * stride + 1, stride)];
                var tap = weight[.., .., dy, dx];
                output += einsum("nchw,oc->nohw", window, tap);
            }
        }

        return (output + bias.reshape(1, outChannels, 1, 1)).MoveToOuterDisposeScope();
    }
}
