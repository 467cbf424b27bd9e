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

    [Test]
    public void AHandWrittenImageRuleWithATrainThatLearnsNothingGetsNoAccuracyPoints()
    {
        // Issue 16's class of scoring gap: a rule of the lesion's pale zone and border (the ABCD rule by hand) answers
        // the same whatever labels Train saw, so trained again with the classes swapped it is wrong where it was right.
        var sources = SolutionSources.Read(Assignment)
            .WithBug("LesionClassifier.cs", "public void Train(Tensor images, Tensor labels)\n    {", "public void Train(Tensor images, Tensor labels)\n    {\n        return;")
            .WithBug("LesionClassifier.cs", "return model.forward(images).argmax(1).MoveToOuterDisposeScope();", HandWrittenLesionRule);
        var results = Grading.Run(Assignment, sources, ["hw2.cnn-accuracy"]);

        var accuracy = results.Single();
        Assert.That(accuracy.Fraction, Is.Zero, accuracy.Reason);
        Assert.That(accuracy.Reason, Does.Contain("its answers do not come from what Train learned"));
        Assert.That(accuracy.Reason, Does.Match(@"labels as given \(held-out accuracy on the lesion images: [6-9]\d\.\d\s?%"), "the rule alone would have earned points");
    }

    /// <summary>Intermediate grey levels (the pale zone and a longer, lobed border) count for the irregular class.</summary>
    private const string HandWrittenLesionRule =
        "var between = images.gt(0.42f).logical_and(images.lt(0.62f)).to(ScalarType.Float32).sum(new long[] { 1, 2, 3 }); "
        + "var dark = images.gt(0.5f).to(ScalarType.Float32).sum(new long[] { 1, 2, 3 }); "
        + "return (between / dark.clamp_min(1f)).gt(0.28f).to(ScalarType.Int64).MoveToOuterDisposeScope();";
}
