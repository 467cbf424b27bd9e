using Grader.Reference.Checks;
using Grader.Reference.Tests.Support;

namespace Grader.Reference.Tests;

/// <summary>HW2: each seeded bug loses exactly the items it should, with a reason naming the fault.</summary>
public class Hw2CnnCheckTests
{
    private const string Assignment = "hw2-cnn";

    private static readonly object[] SeededBugs =
    [
        new object[] { "kernel flipped (true convolution)", "Convolution2d.cs", "var tap = weight[.., .., dy, dx];", "var tap = weight[.., .., kernelHeight - 1 - dy, kernelWidth - 1 - dx];",
            new[] { "hw2.conv2d-basic", "hw2.conv2d-channels", "hw2.conv2d-padding", "hw2.conv2d-stride" }, "kernel flipped" },
        new object[] { "bias forgotten", "Convolution2d.cs", "return (output + bias.reshape(1, outChannels, 1, 1)).MoveToOuterDisposeScope();", "return output.MoveToOuterDisposeScope();",
            new[] { "hw2.conv2d-channels" }, "without bias" },
        new object[] { "off-by-one padding in the output size", "Convolution2d.cs", "var outHeight = (height + 2 * padding - kernelHeight) / stride + 1;", "var outHeight = (height + padding - kernelHeight) / stride + 1;",
            new[] { "hw2.conv2d-padding" }, "2·padding" },
        new object[] { "stride rounds the output size up", "Convolution2d.cs", "var outWidth = (width + 2 * padding - kernelWidth) / stride + 1;", "var outWidth = (width + 2 * padding - kernelWidth + stride - 1) / stride + 1;",
            new[] { "hw2.conv2d-stride" }, "stride 3" },
        new object[] { "only the first input channel", "Convolution2d.cs", "output += einsum(\"nchw,oc->nohw\", window, tap);", "output += einsum(\"nhw,o->nohw\", window[.., 0], tap[.., 0]);",
            new[] { "hw2.conv2d-channels" }, "input channel 0 only" },
        new object[] { "argmax over the batch axis", "LesionClassifier.cs", "return model.forward(images).argmax(1).MoveToOuterDisposeScope();", "return model.forward(images).argmax(0).MoveToOuterDisposeScope();",
            new[] { "hw2.cnn-accuracy" }, "one class index per input" },
    ];

    [TestCaseSource(nameof(SeededBugs))]
    public void SeededBugLosesExactlyItsItems(string bug, string file, string original, string replacement, string[] expectedDropped, string reasonMentions)
    {
        var results = Grading.Run(Assignment, SolutionSources.Read(Assignment).WithBug(file, original, replacement));

        Assert.That(Grading.Dropped(results), Is.EqualTo(expectedDropped), bug);
        Assert.That(results.Where(result => result.Fraction < 1).Select(result => result.Reason), Has.Some.Contains(reasonMentions), bug);
    }
}
