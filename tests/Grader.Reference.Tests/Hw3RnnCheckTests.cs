using Grader.Contracts;
using Grader.Reference.Checks;
using Grader.Reference.Tests.Support;

namespace Grader.Reference.Tests;

/// <summary>HW3 (GAN bonus included): each seeded bug loses exactly the items it should, with a reason naming the fault.</summary>
public class Hw3RnnCheckTests
{
    private const string Assignment = "hw3-rnn";

    private static readonly object[] SeededBugs =
    [
        new object[] { "forget gate inverted", "LstmCell.cs", "var nextCell = forgetGate * cell + inputGate * candidate;", "var nextCell = (1 - forgetGate) * cell + inputGate * candidate;",
            new[] { "hw3.lstm-cell-state", "hw3.lstm-hidden-state" }, "forget gate" },
        new object[] { "no tanh on the new cell state", "LstmCell.cs", "var nextHidden = outputGate * nextCell.tanh();", "var nextHidden = outputGate * nextCell;",
            new[] { "hw3.lstm-hidden-state" }, "h′ = o·tanh(c′)" },
        new object[] { "sigmoid cell candidate", "LstmCell.cs", "var candidate = blocks[2].tanh();", "var candidate = blocks[2].sigmoid();",
            new[] { "hw3.lstm-cell-state", "hw3.lstm-hidden-state" }, "g uses tanh" },
        new object[] { "hidden bias left out", "LstmCell.cs", "var gates = input.matmul(weightIh.t()) + biasIh + hidden.matmul(weightHh.t()) + biasHh;", "var gates = input.matmul(weightIh.t()) + biasIh + hidden.matmul(weightHh.t());",
            new[] { "hw3.lstm-cell-state", "hw3.lstm-hidden-state" }, "bias_hh" },
        new object[] { "input and forget gates swapped", "LstmCell.cs", "var blocks = gates.chunk(4, 1);", "var blocks = gates.chunk(4, 1); (blocks[0], blocks[1]) = (blocks[1], blocks[0]);",
            new[] { "hw3.lstm-cell-state", "hw3.lstm-hidden-state" }, "gates f, i, g, o" },
        new object[] { "GAN: fake samples not detached for D", "GanTrainer.cs", "d.forward(fake.detach())", "d.forward(fake)",
            new[] { "gan.mode-coverage", "gan.sample-distance", "gan.training-step" }, "not detached" },
        new object[] { "GAN: saturating generator loss", "GanTrainer.cs", "public Tensor GeneratorLoss(Tensor fakeLogits) => nn.functional.binary_cross_entropy_with_logits(fakeLogits, ones_like(fakeLogits));",
            "public Tensor GeneratorLoss(Tensor fakeLogits) => (1 - fakeLogits.sigmoid()).log().mean();",
            new[] { "gan.generator-loss", "gan.training-step" }, "saturating" },
        new object[] { "GAN: generator output squashed by tanh", "GanTrainer.cs", "return Networks().Generator.forward(noise);", "return Networks().Generator.forward(noise).tanh();",
            new[] { "gan.mode-coverage", "gan.sample-distance" }, "modes covered" },
    ];

    [TestCaseSource(nameof(SeededBugs))]
    public void SeededBugLosesExactlyItsItems(string bug, string file, string original, string replacement, string[] expectedDropped, string reasonMentions)
    {
        // Only the checks of the contract the edited class implements run: the other classes are unchanged, and
        // their training checks (seconds each) are covered by the full-marks test.
        var contract = file == "GanTrainer.cs" ? typeof(IGanTrainer) : typeof(ILstmCell);
        var results = Grading.Run(Assignment, SolutionSources.Read(Assignment).WithBug(file, original, replacement), Grading.ChecksOf(Assignment, contract));

        Assert.That(Grading.Dropped(results), Is.EqualTo(expectedDropped), bug);
        Assert.That(results.Where(result => result.Fraction < 1).Select(result => result.Reason), Has.Some.Contains(reasonMentions), bug);
    }

    [Test]
    public void AHandWrittenMixtureSamplerWithAFitThatDoesNothingGetsNoSampleBonus()
    {
        // Generate draws from the mixture the handout describes, ignoring G; Fit does nothing.
        var sources = SolutionSources.Read(Assignment)
            .WithBug("GanTrainer.cs", "public void Fit(Tensor realSamples)\n    {", "public void Fit(Tensor realSamples)\n    {\n        return;")
            .WithBug("GanTrainer.cs", "return Networks().Generator.forward(noise);",
                "var angle = (noise.select(1, 0) > 0).to(ScalarType.Float32) * 2 + (noise.select(1, 1) > 0).to(ScalarType.Float32); var centres = stack(new[] { angle.mul(1.5708).cos() * 2, angle.mul(1.5708).sin() * 2 }, 1); return centres + noise * 0.2f;");
        var results = Grading.Run(Assignment, sources, ["gan.sample-distance", "gan.mode-coverage"]);

        Assert.That(results.Select(result => result.Fraction), Is.All.Zero);
        Assert.That(results.Select(result => result.Reason), Has.All.Contains("Fit left G's parameters"));
    }
}
