using Grader.Contracts;
using Grader.Reference.Data;
using static TorchSharp.torch;

namespace Grader.Reference.Checks;

/// <summary>
/// HW2: the student's hand-written convolution against <c>torch.nn.functional.conv2d</c> (one check per feature:
/// the sliding window, channels with bias, stride, padding), and the held-out accuracy of their CNN on lesion images.
/// </summary>
internal static class Hw2CnnChecks
{
    public const string AssignmentId = "hw2-cnn";

    /// <summary>Held-out accuracy a small CNN reaches on the lesion images within a few seconds of training.</summary>
    public const double TargetAccuracy = 0.85;

    /// <summary>Side of the square lesion images.</summary>
    public const int ImageSize = 24;

    public static AssignmentCheckSuite Suite { get; } = new(AssignmentId, "HW2: Convolutional networks",
    [
        Check.Of<IConvolution2d>("hw2.conv2d-basic", "One channel in and out, stride 1, no padding: the sliding window (square and non-square kernels)",
            context => Convolution(context, "hw2.conv2d-basic",
                [new(2, 1, 1, 6, 6, 3, 3, 1, 0, false), new(2, 1, 1, 5, 7, 2, 3, 1, 0, false)])),
        Check.Of<IConvolution2d>("hw2.conv2d-channels", "Several input and output channels with a bias per output channel",
            context => Convolution(context, "hw2.conv2d-channels",
                [new(2, 3, 4, 6, 6, 3, 3, 1, 0, true), new(1, 2, 3, 5, 5, 2, 2, 1, 0, true)])),
        Check.Of<IConvolution2d>("hw2.conv2d-stride", "Strides 2 and 3, including an input the last window does not fit exactly",
            context => Convolution(context, "hw2.conv2d-stride",
                [new(2, 1, 1, 7, 7, 3, 3, 2, 0, false), new(1, 1, 1, 8, 8, 3, 3, 3, 0, false)])),
        Check.Of<IConvolution2d>("hw2.conv2d-padding", "Zero padding of 1 and 2 on every side",
            context => Convolution(context, "hw2.conv2d-padding",
                [new(2, 1, 1, 6, 6, 3, 3, 1, 1, false), new(1, 1, 1, 5, 5, 3, 3, 1, 2, false)])),
        Check.Of<ICnnClassifier>("hw2.cnn-accuracy", $"After Train, held-out accuracy on regular vs irregular lesion images reaches {TargetAccuracy:P0}, also when trained afresh with the two classes swapped", CnnAccuracy),
    ]);

    /// <summary>One convolution to compare: batch, channels, image and kernel sizes, stride, padding, and whether the bias is non-zero.</summary>
    private sealed record ConvolutionCase(int Batch, int InChannels, int OutChannels, int Height, int Width, int KernelHeight, int KernelWidth, int Stride, int Padding, bool WithBias)
    {
        public long[] OutputShape => [Batch, OutChannels, ((Height + (2 * Padding) - KernelHeight) / Stride) + 1, ((Width + (2 * Padding) - KernelWidth) / Stride) + 1];

        public override string ToString() =>
            $"input [{Batch}, {InChannels}, {Height}, {Width}], weight [{OutChannels}, {InChannels}, {KernelHeight}, {KernelWidth}], stride {Stride}, padding {Padding}";
    }

    /// <summary>
    /// Proves: Forward equals conv2d on the grader's own inputs, weights and biases for each case (non-zero bias,
    /// non-square kernels, strides, padding), so no constant or cached answer passes. Does not prove speed.
    /// </summary>
    private static Verdict Convolution(CheckContext context, string checkId, IReadOnlyList<ConvolutionCase> cases)
    {
        var generator = CheckHelpers.Generator(ReferenceSeeds.For(checkId));
        var convolution = context.Create<IConvolution2d>();
        var failures = new List<string?>();
        StudentCallException? firstThrow = null;
        foreach (var @case in cases)
        {
            var input = CheckHelpers.Normal(generator, @case.Batch, @case.InChannels, @case.Height, @case.Width);
            var weight = CheckHelpers.Normal(generator, @case.OutChannels, @case.InChannels, @case.KernelHeight, @case.KernelWidth);
            var bias = @case.WithBias ? CheckHelpers.Normal(generator, @case.OutChannels) : zeros(@case.OutChannels);
            try
            {
                var output = Answers.Floats(
                    CheckContext.Call("Forward", () => convolution.Forward(CheckHelpers.ForStudent(input), CheckHelpers.ForStudent(weight), CheckHelpers.ForStudent(bias), @case.Stride, @case.Padding)),
                    $"the output of Forward for {@case}", @case.OutputShape);
                failures.Add(CaseFailure(context, @case, output, input, weight, bias));
            }
            catch (RejectedAnswerException rejected)
            {
                failures.Add(rejected.Message + " (output size per axis = (size + 2·padding − kernel) / stride + 1, rounded down)");
            }
            catch (StudentCallException thrown)
            {
                firstThrow ??= thrown;
                failures.Add($"for {@case}: {thrown.Message}");
            }
        }

        if (firstThrow is not null && failures.All(failure => failure is not null && failure.Contains(firstThrow.Message, StringComparison.Ordinal)))
        {
            throw firstThrow;
        }

        return Verdict.FromCases(failures, $"Forward matches conv2d in all {cases.Count} cases");
    }

    private static string? CaseFailure(CheckContext context, ConvolutionCase @case, Tensor output, Tensor input, Tensor weight, Tensor bias)
    {
        var device = context.ReferenceDevice;
        Tensor Reference(Tensor kernel, Tensor? withBias) => nn.functional.conv2d(input.to(device), kernel.to(device), withBias?.to(device),
            strides: [@case.Stride, @case.Stride], padding: [@case.Padding, @case.Padding]);

        var tolerance = context.Float32Tolerance.Loosened(10);
        var difference = TensorComparison.Difference($"for {@case}, the output", output, Reference(weight, bias), tolerance);
        if (difference is null)
        {
            return null;
        }

        var hint = TensorComparison.Close(output, Reference(weight.flip(2, 3), bias), tolerance)
                ? "; it equals a true convolution with the kernel flipped: conv2d computes cross-correlation, so do not flip the kernel"
            : @case.WithBias && TensorComparison.Close(output, Reference(weight, null), tolerance)
                ? "; it equals the result without bias: add bias[c_out] to every position of output channel c_out"
            : @case.InChannels > 1 && TensorComparison.Close(output, nn.functional.conv2d(input[.., ..1].to(device), weight[.., ..1].to(device), bias.to(device),
                    strides: [@case.Stride, @case.Stride], padding: [@case.Padding, @case.Padding]), tolerance)
                ? "; it uses input channel 0 only: sum the products over every input channel"
            : "";
        return difference + hint;
    }

    /// <summary>
    /// Proves: a CNN trained by the student's Train predicts unseen lesion images well, and Predict's answers come from
    /// what Train learned: two fresh classifiers (same seed) are trained, on the labels as given and with the classes
    /// swapped, and the lower held-out accuracy is scored (<see cref="CheckHelpers.LearnedAccuracy"/>), so a hand-written
    /// image rule with a Train that learns nothing gets 0. Does not prove the model is a convolutional network (the
    /// contract exposes no parameters; the notebook's architecture item is the TA's).
    /// </summary>
    private static Verdict CnnAccuracy(CheckContext context)
    {
        var seed = ReferenceSeeds.For("hw2.cnn-accuracy");
        var training = LesionImages.Generate(400, ImageSize, seed);
        var heldOut = LesionImages.Generate(200, ImageSize, seed + 1);
        return CheckHelpers.LearnedAccuracy(training, heldOut, TargetAccuracy, "the lesion images", labels =>
        {
            var classifier = context.Create<ICnnClassifier>();
            CheckContext.Call("Initialize", () => classifier.Initialize(1, ImageSize, ImageSize, LesionImages.ClassCount, seed));
            CheckContext.Call("Train", () => classifier.Train(CheckHelpers.ForStudent(training.Inputs), CheckHelpers.ForStudent(labels)));
            return Answers.ClassIndices(CheckContext.Call("Predict", () => classifier.Predict(CheckHelpers.ForStudent(heldOut.Inputs))),
                "the output of Predict", heldOut.Count, LesionImages.ClassCount);
        });
    }
}
