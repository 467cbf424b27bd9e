// HW2 starter, part 1: a 2-D convolution by hand. Do not call conv2d, Conv2d or unfold. See README.md.
using System;
using Grader.Contracts;
using TorchSharp;
using static TorchSharp.torch;

public sealed class Convolution2d : IConvolution2d
{
    public Tensor Forward(Tensor input, Tensor weight, Tensor bias, int stride, int padding)
    {
        // TODO: pad the input with zeros, then for every output position take the window under the kernel,
        // multiply element-wise with each output channel's kernel, and sum over input channels and the window.
        // Output size per axis: (size + 2·padding − kernel) / stride + 1 (integer division). Do not flip the kernel.
        throw new NotImplementedException("Forward");
    }
}
