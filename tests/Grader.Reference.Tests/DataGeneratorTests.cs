using Grader.Reference.Data;
using static TorchSharp.torch;

namespace Grader.Reference.Tests;

/// <summary>The synthetic medical data sets: seeded, balanced, the promised shapes, and the classes differ where they should.</summary>
public class DataGeneratorTests
{
    [Test]
    public void ClinicalPointsAreSeededBalancedAndLieInTheirBands()
    {
        using var scope = NewDisposeScope();
        var first = ClinicalPoints.Generate(300, 5);
        var again = ClinicalPoints.Generate(300, 5);
        var other = ClinicalPoints.Generate(300, 6);

        Assert.That(first.Inputs.shape, Is.EqualTo(new long[] { 300, 2 }));
        Assert.That(first.Inputs.allclose(again.Inputs, 0, 0), Is.True);
        Assert.That(first.Inputs.allclose(other.Inputs, 0, 0), Is.False);
        Assert.That(first.Labels.bincount(null).data<long>().ToArray(), Is.EqualTo(new long[] { 100, 100, 100 }));
        var radius = first.Inputs.norm(1);
        Assert.That(radius[first.Labels.eq(0)].max().item<float>(), Is.LessThan(1.3f));
        Assert.That(radius[first.Labels.eq(2)].min().item<float>(), Is.GreaterThan(2.3f));
    }

    [Test]
    public void LesionImagesHaveIrregularBordersOnlyInClassOne()
    {
        using var scope = NewDisposeScope();
        var set = LesionImages.Generate(200, 24, 3);

        Assert.That(set.Inputs.shape, Is.EqualTo(new long[] { 200, 1, 24, 24 }));
        Assert.That(set.Inputs.allclose(LesionImages.Generate(200, 24, 3).Inputs, 0, 0), Is.True);
        Assert.That(set.Labels.bincount(null).data<long>().ToArray(), Is.EqualTo(new long[] { 100, 100 }));
        Assert.That(set.Inputs.min().item<float>(), Is.GreaterThan(-0.3f));
        Assert.That(set.Inputs.max().item<float>(), Is.LessThan(1.3f));
        // An irregular border is longer for the same area: more pixels sit on the lesion's edge.
        var edge = (set.Inputs[.., .., 1.., ..] - set.Inputs[.., .., ..^1, ..]).abs().mean([1L, 2L, 3L]);
        Assert.That(edge[set.Labels.eq(1)].mean().item<float>(), Is.GreaterThan(edge[set.Labels.eq(0)].mean().item<float>()));
    }

    [Test]
    public void EcgStripsWithPrematureBeatsDipFarBelowTheBaseline()
    {
        using var scope = NewDisposeScope();
        var set = EcgStrips.Generate(200, 72, 9);

        Assert.That(set.Inputs.shape, Is.EqualTo(new long[] { 200, 72, 1 }));
        Assert.That(set.Inputs.allclose(EcgStrips.Generate(200, 72, 9).Inputs, 0, 0), Is.True);
        Assert.That(set.Labels.bincount(null).data<long>().ToArray(), Is.EqualTo(new long[] { 100, 100 }));
        // The inverted, wide QRS of a PVC reaches far below anything sinus rhythm does.
        var lowest = set.Inputs.amin([1L, 2L]);
        Assert.That(lowest[set.Labels.eq(1)].mean().item<float>(), Is.LessThan(-0.8f));
        Assert.That(lowest[set.Labels.eq(0)].mean().item<float>(), Is.GreaterThan(-0.5f));
    }

    [Test]
    public void GaussianRingSamplesEveryModeEqually()
    {
        using var scope = NewDisposeScope();
        var points = GaussianRing.Generate(400, 1);
        var centres = tensor(GaussianRing.Centres.SelectMany(centre => new[] { (float)centre.X, (float)centre.Y }).ToArray(), [GaussianRing.ModeCount, 2]);
        var (distance, mode) = cdist(points, centres).min(1);

        Assert.That(points.shape, Is.EqualTo(new long[] { 400, 2 }));
        Assert.That(mode.bincount(null).data<long>().ToArray(), Is.EqualTo(Enumerable.Repeat(100L, GaussianRing.ModeCount).ToArray()));
        Assert.That(distance.max().item<float>(), Is.LessThan(5 * GaussianRing.Spread));
    }
}
