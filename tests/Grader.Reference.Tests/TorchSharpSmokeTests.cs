using TorchSharp;
using static TorchSharp.torch;

namespace Grader.Reference.Tests;

/// <summary>Proves the natives load on this machine (Debian 12's libstdc++ included) without any copy at run time.</summary>
public class TorchSharpSmokeTests
{
    [Test]
    public void MatrixProductMatchesHandComputedValues()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        var b = tensor(new float[] { 5, 6, 7, 8 }, 2, 2);
        var product = matmul(a, b).data<float>().ToArray();
        Assert.That(product, Is.EqualTo(new float[] { 19, 22, 43, 50 }));
    }

    [Test]
    public void AutogradBackwardGivesTheDerivativeOfASquare()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1, -2, 3 }, requires_grad: true);
        var loss = (x * x).sum();
        loss.backward();
        Assert.That(x.grad!.data<float>().ToArray(), Is.EqualTo(new float[] { 2, -4, 6 }));
    }

    [Test]
    public void NativesWereNotCopiedBesideTheAssemblyAtRunTime()
    {
        using var scope = NewDisposeScope();
        _ = ones(1).sum().item<float>();
        var consolidatedFolder = Path.Combine(Path.GetDirectoryName(typeof(torch).Assembly.Location)!, "cpu");
        Assert.That(Directory.Exists(consolidatedFolder), Is.False,
            "TorchSharp fell back to copying its natives into cpu/: the regular load failed (libstdc++ patch missing?)");
    }
}
