namespace Grader.Similarity.Tests;

public sealed class SimilarityEngineTests
{
    private const string StatisticsStarter = """
        using System;
        using System.Collections.Generic;

        public sealed class RunningStatistics
        {
            private readonly List<double> values = new List<double>();

            public void Add(double value)
            {
                // TODO: store the value and keep a running total.
                throw new NotImplementedException("Add");
            }

            public double Mean()
            {
                // TODO: the arithmetic mean; throw when there are no values.
                throw new NotImplementedException("Mean");
            }

            public double Variance()
            {
                // TODO: the sample variance.
                throw new NotImplementedException("Variance");
            }
        }
        """;

    private static readonly SimilarityEngine Engine = new(new SimilarityOptions());

    private static SubmissionSource Submission(string id, string text, bool isArchived = false) => new(id, [new SourceFile($"{id}.cs", text)], isArchived);

    [Test]
    public void RenamedVariablesAndChangedLiteralsStillMatchFully()
    {
        var report = Engine.Compare("hw", [Submission("alice", Fixtures.Statistics), Submission("bob", Fixtures.StatisticsRenamed)]);

        Assert.That(report.Pairs, Has.Count.EqualTo(1));
        var pair = report.Pairs[0];
        Assert.That((pair.First, pair.Second), Is.EqualTo(("alice", "bob")));
        Assert.That(pair.Jaccard, Is.EqualTo(1.0));
        Assert.That(pair.ShareOfSmaller, Is.EqualTo(1.0));
    }

    [Test]
    public void ReorderedMethodsStillMatchLargely()
    {
        var report = Engine.Compare("hw", [Submission("alice", Fixtures.Statistics), Submission("carol", Fixtures.StatisticsReordered)]);

        Assert.That(report.Pairs, Has.Count.EqualTo(1));
        Assert.That(report.Pairs[0].Jaccard, Is.GreaterThan(0.6));
        // One region per moved method, not one for the whole file.
        Assert.That(report.Pairs[0].Regions, Has.Count.GreaterThanOrEqualTo(3));
    }

    [Test]
    public void UnrelatedSolutionsDoNotMatch()
    {
        var lenient = new SimilarityEngine(new SimilarityOptions { Threshold = 0.0, MinSharedFingerprints = 1 });

        var report = lenient.Compare("hw", [Submission("alice", Fixtures.Statistics), Submission("dave", Fixtures.WordCounter), Submission("erin", Fixtures.RingBuffer)]);
        var strict = Engine.Compare("hw", [Submission("alice", Fixtures.Statistics), Submission("dave", Fixtures.WordCounter), Submission("erin", Fixtures.RingBuffer)]);

        Assert.That(strict.Pairs, Is.Empty);
        Assert.That(report.Pairs.Select(p => p.Jaccard), Has.All.LessThan(0.1));
    }

    [Test]
    public void StarterCodeAloneDoesNotMatch()
    {
        string withWords = StatisticsStarter + "\n" + Fixtures.WordCounter;
        string withBuffer = StatisticsStarter + "\n" + Fixtures.RingBuffer;
        SubmissionSource[] submissions = [Submission("untouched1", StatisticsStarter), Submission("untouched2", StatisticsStarter), Submission("words", withWords), Submission("buffer", withBuffer)];
        var starter = new[] { new SourceFile("starter.cs", StatisticsStarter) };

        var withoutStarter = Engine.Compare("hw", submissions);
        var report = Engine.Compare("hw", submissions, starter);

        Assert.That(withoutStarter.Pairs, Is.Not.Empty, "without removing the starter the skeleton alone matches");
        Assert.That(report.Pairs, Is.Empty);
        Assert.That(report.Submissions.Where(s => s.Id.StartsWith("untouched", StringComparison.Ordinal)).Select(s => s.Fingerprints), Has.All.EqualTo(0));
        Assert.That(report.Submissions.Single(s => s.Id == "words").Fingerprints, Is.GreaterThan(10));
    }

    [Test]
    public void RegionsPointAtTheCopiedLines()
    {
        // Bob pasted Alice's Variance method below his own unrelated class.
        string[] aliceLines = Fixtures.Statistics.Split('\n');
        int aliceStart = LineOf(aliceLines, "public double Variance()");
        int aliceEnd = aliceStart + 11;
        Assert.That(aliceLines[aliceEnd - 2].Trim(), Is.EqualTo("return sum / Math.Max(1, values.Count - 1);"));
        string copied = string.Join('\n', aliceLines[(aliceStart - 1)..aliceEnd]);
        string bob = Fixtures.RingBuffer + "\n\npublic static class Helpers\n{\n    private static List<double> values = [];\n    private static double Mean() => 0;\n\n" + copied + "\n}\n";
        int bobStart = LineOf(bob.Split('\n'), "public double Variance()");

        var report = new SimilarityEngine(new SimilarityOptions { Measure = SimilarityMeasure.ShareOfSmaller, Threshold = 0.1 })
            .Compare("hw", [Submission("alice", Fixtures.Statistics), Submission("bob", bob)]);

        Assert.That(report.Pairs, Has.Count.EqualTo(1));
        var region = report.Pairs[0].Regions.MaxBy(r => r.Fingerprints)!;
        Assert.Multiple(() =>
        {
            Assert.That(region.FirstFile, Is.EqualTo("alice.cs"));
            Assert.That(region.SecondFile, Is.EqualTo("bob.cs"));
            // The region starts where the copy starts (k-grams may run one token into the neighbouring line) ...
            Assert.That(region.FirstStartLine, Is.InRange(aliceStart - 1, aliceStart + 1));
            Assert.That(region.SecondStartLine - region.FirstStartLine, Is.EqualTo(bobStart - aliceStart));
            // ... and ends where it ends.
            Assert.That(region.FirstEndLine, Is.InRange(aliceEnd - 1, aliceEnd + 1));
            Assert.That(region.SecondEndLine - region.FirstEndLine, Is.EqualTo(bobStart - aliceStart));
        });
    }

    [Test]
    public void AnIdenticalCopyIsOneRegionEvenWhenTheFileRepeatsItself()
    {
        // Normalize and ArgMax open with the same loop header: its k-grams also pair across the two loops.
        string repeated = Fixtures.Statistics + "\n" + Fixtures.Statistics.Replace("RunningStatistics", "Again", StringComparison.Ordinal);
        int lines = repeated.Split('\n').Length;

        var report = Engine.Compare("hw", [Submission("a", repeated), Submission("b", repeated)]);

        var regions = report.Pairs.Single().Regions;
        Assert.That(regions, Has.Count.EqualTo(1));
        // Winnowing need not pick the very first or last k-gram: the region may start or end a line or two inside.
        Assert.That(regions[0].FirstStartLine, Is.InRange(1, 3));
        Assert.That(regions[0].FirstEndLine, Is.InRange(lines - 3, lines));
        Assert.That((regions[0].SecondStartLine, regions[0].SecondEndLine), Is.EqualTo((regions[0].FirstStartLine, regions[0].FirstEndLine)));
    }

    [Test]
    public void ArchivedSubmissionsAreComparedWithThisTermButNotWithEachOther()
    {
        var report = Engine.Compare("hw",
        [
            Submission("2024/x", Fixtures.Statistics, isArchived: true),
            Submission("2025/y", Fixtures.StatisticsRenamed, isArchived: true),
            Submission("zoe", Fixtures.StatisticsReordered),
        ]);

        Assert.That(report.Pairs.Select(p => (p.First, p.Second)), Is.EquivalentTo(new[] { ("2024/x", "zoe"), ("2025/y", "zoe") }));
    }

    [Test]
    public void FingerprintsCommonToTooManySubmissionsAreIgnored()
    {
        var submissions = Enumerable.Range(0, 4).Select(i => Submission($"s{i}", Fixtures.Statistics)).Append(Submission("other", Fixtures.WordCounter)).ToList();

        var capped = new SimilarityEngine(new SimilarityOptions { MaxSubmissionsPerFingerprint = 3 }).Compare("hw", submissions);
        var uncapped = Engine.Compare("hw", submissions);

        Assert.That(uncapped.Pairs, Has.Count.EqualTo(6));
        Assert.That(capped.Pairs, Is.Empty);
        Assert.That(capped.Submissions.Single(s => s.Id == "s0").Fingerprints, Is.Zero);
    }

    [Test]
    public void PairsAreOrderedByScoreAndTheReportRoundTripsThroughJson()
    {
        var report = Engine.Compare("hw1-mlp", [Submission("a", Fixtures.Statistics), Submission("b", Fixtures.StatisticsReordered), Submission("c", Fixtures.StatisticsRenamed)]);

        Assert.That(report.Pairs.Select(p => p.Jaccard), Is.Ordered.Descending);
        Assert.That(report.Pairs[0].Jaccard, Is.EqualTo(1.0));
        var reread = SimilarityReport.FromJson(report.ToJson());
        Assert.That(reread.AssignmentId, Is.EqualTo("hw1-mlp"));
        Assert.That(reread.Pairs.Select(p => (p.First, p.Second, p.Jaccard, p.Regions.Count)), Is.EqualTo(report.Pairs.Select(p => (p.First, p.Second, p.Jaccard, p.Regions.Count))));
        Assert.That(report.ToJson(), Does.Contain("\"measure\": \"jaccard\""));
    }

    [Test]
    public void DuplicateIdsAndBadOptionsAreRefused()
    {
        Assert.That(() => Engine.Compare("hw", [Submission("a", "x"), Submission("a", "y")]), Throws.ArgumentException.With.Message.Contains("'a'"));
        Assert.That(() => new SimilarityEngine(new SimilarityOptions { Threshold = 1.5 }), Throws.ArgumentException.With.Message.Contains("Threshold"));
        Assert.That(() => new SimilarityEngine(new SimilarityOptions { Window = 0 }), Throws.ArgumentException.With.Message.Contains("Window"));
    }

    [Test]
    public void DisguisedVariantsOfOneSolutionAllMatchIt()
    {
        var variants = SubmissionVariants.Generate(Fixtures.Statistics, 5, seed: 7);
        var again = SubmissionVariants.Generate(Fixtures.Statistics, 5, seed: 7);
        var submissions = variants.Select((text, i) => Submission($"v{i}", text)).Prepend(Submission("original", Fixtures.Statistics)).ToList();

        // Each inserted statement breaks the k-grams over a few lines: on a 60-line file that costs a lot of Jaccard.
        var report = new SimilarityEngine(new SimilarityOptions { Threshold = 0.35 }).Compare("hw", submissions);

        Assert.That(again, Is.EqualTo(variants), "seeded");
        Assert.That(variants.Distinct().Count(), Is.EqualTo(5));
        Assert.That(report.Pairs.Where(p => p.First == "original").Select(p => p.Second), Is.EquivalentTo(Enumerable.Range(0, 5).Select(i => $"v{i}")));
    }

    private static int LineOf(string[] lines, string text) => Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal)) + 1;
}
